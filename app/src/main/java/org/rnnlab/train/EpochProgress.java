package org.rnnlab.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.time.Duration;

/**
 * Progress of one epoch: a console progress bar (steps, rate, ETA and a message such as running
 * perplexity) on a terminal, or a log line every 30 seconds when the output is a file, or nothing
 * in quiet mode.
 */
public final class EpochProgress implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(EpochProgress.class);
    private static final long LOG_INTERVAL_NANOS = Duration.ofSeconds(30).toNanos();

    private final ProgressBar bar;
    private final String task;
    private final long total;
    private long lastLog = System.nanoTime();

    public EpochProgress(String task, long total, long start, boolean quiet) {
        this.task = task;
        this.total = total;
        if (!quiet && System.console() != null) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).startsFrom(start, Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).showSpeed().build();
        } else {
            bar = null;
        }
    }

    /** Moves to step {@code done} with a short message (for example "ppl 143.2 | 4,100 w/s"). */
    public void update(long done, String message) {
        if (bar != null) {
            bar.stepTo(done);
            bar.setExtraMessage(" " + message);
        } else if (System.nanoTime() - lastLog > LOG_INTERVAL_NANOS) {
            lastLog = System.nanoTime();
            LOG.info("{}: {}/{} ({}%) {}", task, done, total, done * 100 / Math.max(total, 1), message);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
