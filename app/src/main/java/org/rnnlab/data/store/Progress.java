package org.rnnlab.data.store;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.InputStream;

/**
 * Progress bars on standard error (standard output carries only results), or nothing at all when
 * the user asked for quiet output.
 */
final class Progress implements AutoCloseable {

    private static final int MIB = 1 << 20;

    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** Counts bytes read through {@code in} against {@code totalBytes} (negative when unknown). */
    static InputStream trackBytes(InputStream in, String task, long totalBytes, boolean show) {
        if (!show) {
            return in;
        }
        return ProgressBar.wrap(in, builder(task, totalBytes).setUnit(" MiB", MIB).showSpeed());
    }

    /** A bar counting items (files), stepped by the caller. */
    static Progress count(String task, long total, boolean show) {
        return new Progress(show ? builder(task, total).setUnit(" files", 1).build() : null);
    }

    void step() {
        if (bar != null) {
            bar.step();
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }

    private static ProgressBarBuilder builder(String task, long total) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(System.err));
    }
}
