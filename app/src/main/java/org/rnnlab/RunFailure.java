package org.rnnlab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A run that cannot go on for a reason that is neither a user's typing mistake nor a bug: training
 * diverged, or the disk is full. Like {@link UserInputException} its message is shown as one line
 * without a stack trace (the trace goes to the run log); the command exits with {@link #exitCode()},
 * one of the documented codes below.
 */
public class RunFailure extends RuntimeException {

    /** Training diverged (the loss is not finite, or validation is worse than chance). */
    public static final int DIVERGED = 3;
    /** A file could not be written: no space left on the device, or another I/O failure. */
    public static final int WRITE_FAILED = 4;

    private final int exitCode;

    public RunFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public RunFailure(int exitCode, String message) {
        this(exitCode, message, null);
    }

    public int exitCode() {
        return exitCode;
    }

    /**
     * One line for a failed write of {@code target}: the cause in words and, for a full disk, the space
     * needed ({@code needed} bytes; negative when unknown) and the space free.
     */
    public static RunFailure cannotWrite(Path target, Exception e, long needed) {
        Path dir = target.toAbsolutePath().getParent();
        if (isNoSpace(e)) {
            return new RunFailure(WRITE_FAILED, String.format(Locale.ROOT,
                    "cannot write %s: no space left on the device (%s; %s free in %s); the previous file is"
                            + " untouched: free some space, then train --resume",
                    target, needed < 0 ? "it needs more" : "it needs about " + megabytes(needed) + " free",
                    megabytes(usableSpace(dir)), dir), e);
        }
        Throwable cause = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
        return new RunFailure(WRITE_FAILED, "cannot write " + target + ": " + cause.getMessage()
                + " (the previous file is untouched)", e);
    }

    /** Whether an I/O failure is a full disk, by the operating system's message (ENOSPC) anywhere in its causes. */
    public static boolean isNoSpace(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains(NO_SPACE)) {
                return true;
            }
        }
        return false;
    }

    /** The operating system's message for ENOSPC, as Java reports it. */
    public static final String NO_SPACE = "No space left on device";

    private static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String megabytes(long bytes) {
        return bytes < 0 ? "an unknown amount" : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
