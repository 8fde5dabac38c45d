package org.rnnlab.model;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where model files' bytes go: normally the file system. It is a seam for fault tests, which need a
 * full disk without root: with the system property {@value #NO_SPACE_AFTER} set to N (or after
 * {@link #failAfter}), every stream opened here throws {@code IOException("No space left on device")}
 * once N bytes have been written in total by this process, as the operating system does when a
 * disk fills up in the middle of a write.
 */
public final class FileSink {

    /** System property: bytes this process may write through the sink before the "disk" is full. */
    public static final String NO_SPACE_AFTER = "rnnlab.fault.no-space-after-bytes";

    private static final AtomicLong WRITTEN = new AtomicLong();
    private static volatile long limit = -1;

    private FileSink() {
    }

    /** Opens {@code file} for writing (created or truncated). */
    public static OutputStream open(Path file) throws IOException {
        OutputStream out = Files.newOutputStream(file);
        long max = limit >= 0 ? limit : Long.getLong(NO_SPACE_AFTER, -1L);
        return max < 0 ? out : new Filling(out, max);
    }

    /** Tests: the "disk" is full after {@code bytes} more bytes (counted from now); -1 turns it off. */
    public static void failAfter(long bytes) {
        WRITTEN.set(0);
        limit = bytes;
    }

    /** A stream that behaves like a file on a disk with {@code max} bytes left for this process. */
    private static final class Filling extends FilterOutputStream {
        private final long max;

        Filling(OutputStream out, long max) {
            super(out);
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            room(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            room(len);
            out.write(b, off, len);
        }

        private void room(int len) throws IOException {
            if (WRITTEN.addAndGet(len) > max) {
                throw new IOException(org.rnnlab.RunFailure.NO_SPACE);
            }
        }
    }
}
