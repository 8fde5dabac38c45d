package org.rnnlab.data.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises imports of one dataset, between processes (a lock file in {@code datasets/}) and
 * between threads of this process (file locks are per process, so a second thread would fail).
 * Two test runs that import from the mirror on first use then cannot interleave their renames.
 */
final class DatasetLock implements AutoCloseable {

    private static final Map<Path, ReentrantLock> THREAD_LOCKS = new ConcurrentHashMap<>();

    private final ReentrantLock threadLock;
    private final FileChannel channel;
    private final FileLock fileLock;

    private DatasetLock(ReentrantLock threadLock, FileChannel channel, FileLock fileLock) {
        this.threadLock = threadLock;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    /** Blocks until this process holds the lock of {@code name} in {@code datasetsDir}. */
    static DatasetLock acquire(Path datasetsDir, String name) throws IOException {
        Path file = datasetsDir.resolve("." + name + ".lock").toAbsolutePath().normalize();
        ReentrantLock threadLock = THREAD_LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
        threadLock.lock();
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                return new DatasetLock(threadLock, channel, channel.lock());
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            threadLock.unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            fileLock.release();
            channel.close();
        } finally {
            threadLock.unlock();
        }
    }
}
