package org.rnnlab.train;

import org.rnnlab.UserInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The lock that keeps a run folder to one training process: an operating-system lock on
 * {@code train.lock}, held for the whole run and released by the OS when the process ends in any way
 * ({@code kill -9} included), so it can never go stale. The holder writes its process id into the
 * file, so a second {@code train} or {@code train --resume} on the folder is refused naming it.
 * Readers ({@code eval}, {@code sample}, {@code predict}) do not take it: they read only complete,
 * renamed files.
 */
public final class RunLock implements AutoCloseable {

    public static final String FILE = "train.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code dir} (which must exist) or refuses, naming the process that holds it. */
    public static RunLock acquire(Path dir) {
        Path file = dir.resolve(FILE);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot open the run folder's lock file: " + e.getMessage());
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            lock = null;
        } catch (IOException e) {
            close(ch);
            throw new UncheckedIOException("Cannot lock " + file, e);
        }
        if (lock == null) {
            String holder = holder(file);
            close(ch);
            throw new UserInputException(dir + ": in use by another training (" + holder + "); wait for it to end,"
                    + " or stop it first (Ctrl-C or kill; it writes a checkpoint) and then train --resume " + dir);
        }
        try {
            byte[] who = ("pid " + ProcessHandle.current().pid() + ", since " + Instant.now() + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(who), 0);
            ch.force(false);
        } catch (IOException e) {
            // The lock holds without the note; only the message naming the holder would be poorer.
        }
        return new RunLock(ch, lock);
    }

    private static String holder(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "a process that has just started" : "process " + text.replaceFirst("^pid ", "");
        } catch (IOException e) {
            return "another process";
        }
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing held
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        close(channel);
    }
}
