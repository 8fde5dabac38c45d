package org.rnnlab.monitor;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * The run's step log, {@code steps.csv}: one line every {@code every} steps and at the end of every epoch, flushed
 * at once, so that a run that crashes or is stopped still has its curve. A resumed run appends to it; the steps it
 * trains again after a crash repeat numbers, and {@link RunCurves} keeps the later line of a repeated step.
 */
public final class StepLog implements AutoCloseable {

    public static final String FILE = "steps.csv";
    public static final String HEADER = "step,epoch,seen,loss,perplexity,grad_norm,learning_rate,per_second";
    private static final Logger LOG = LogManager.getLogger(StepLog.class);

    private final Path file;
    private final int every;
    private BufferedWriter out;
    private StepRecord pending;

    /** A step log in {@code runDir} writing every {@code every} steps (at least 1). */
    public StepLog(Path runDir, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("every must be at least 1: " + every);
        }
        this.file = runDir.resolve(FILE);
        this.every = every;
    }

    /** Records a step; writes it when its number is a multiple of {@code every}, else keeps it for {@link #flush}. */
    public void add(StepRecord s) {
        if (s.step() % every == 0) {
            write(s);
            pending = null;
        } else {
            pending = s;
        }
    }

    /** Writes the last step recorded if it was held back (the end of an epoch, a stop). */
    public void flush() {
        if (pending != null) {
            write(pending);
            pending = null;
        }
    }

    private void write(StepRecord s) {
        try {
            if (out == null) {
                boolean fresh = !Files.exists(file) || Files.size(file) == 0;
                out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                if (fresh) {
                    out.write(HEADER);
                    out.newLine();
                }
            }
            out.write(String.format(Locale.ROOT, "%d,%d,%d,%s,%s,%s,%s,%s", s.step(), s.epoch(), s.seen(),
                    num(s.loss()), num(s.perplexity()), num(s.gradNorm()), num(s.learningRate()), num(s.perSecond())));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            // The step log is a convenience: a full disk must not stop training (checkpoints report it themselves).
            LOG.warn("Cannot write {}: {}", file, e.toString());
        }
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "";
    }

    @Override
    public void close() {
        flush();
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.warn("Cannot close {}: {}", file, e.toString());
            }
            out = null;
        }
    }
}
