package org.rnnlab.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns Ctrl-C (SIGINT/SIGTERM) into a request that the training loop honours at its next safe
 * point: the JVM's shutdown hook raises the flag and then waits until the loop has written its
 * checkpoint, so the process exits only after the run is safely on disk.
 */
public final class StopRequest implements AutoCloseable {

    private static final long MAX_WAIT_SECONDS = 300;
    /** How long the hook then lets the command print its summary (the JVM halts when the hooks return). */
    private static final long SUMMARY_WAIT_SECONDS = 10;
    private static final CountDownLatch COMMAND_DONE = new CountDownLatch(1);

    private volatile boolean requested;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    private StopRequest(boolean installHook) {
        if (installHook) {
            hook = new Thread(() -> {
                requested = true;
                try {
                    if (finished.await(MAX_WAIT_SECONDS, TimeUnit.SECONDS)) {
                        COMMAND_DONE.await(SUMMARY_WAIT_SECONDS, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "rnnlab-stop");
            Runtime.getRuntime().addShutdownHook(hook);
        } else {
            hook = null;
        }
    }

    /**
     * Called by the command-line entry point once the command has printed everything: a pending
     * shutdown (Ctrl-C) then lets the JVM halt. Without it the summary ("stopped ...; resume with")
     * would be cut off, because the JVM halts as soon as the shutdown hooks return.
     */
    public static void commandFinished() {
        COMMAND_DONE.countDown();
    }

    /** Listens for Ctrl-C for as long as it is open. */
    public static StopRequest onInterrupt() {
        return new StopRequest(true);
    }

    /** A request that only code raises (tests, time limits). */
    public static StopRequest manual() {
        return new StopRequest(false);
    }

    public boolean isRequested() {
        return requested;
    }

    public void request() {
        requested = true;
    }

    /** Signals that the run is on disk; a pending shutdown may proceed. */
    @Override
    public void close() {
        finished.countDown();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running and now sees the latch released
            }
        }
    }
}
