package org.rnnlab.monitor;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The learning-curve PNGs of one run folder, drawn from its {@code metrics.csv} and {@code steps.csv}. A language
 * model gets perplexity by epoch and by words seen, the learning rate, the gradient norm before clipping and the
 * speed; a sentiment classifier gets loss and accuracy by epoch, the step loss by reviews seen, the gradient norm
 * and the speed. A chart with nothing to show yet is left out.
 */
public final class CurveCharts {

    private static final Logger LOG = LogManager.getLogger(CurveCharts.class);

    /** One chart: the curves it overlays (metric and legend), against what. */
    private record Spec(String file, String title, String yTitle, XAxis x, List<Curve> curves) {
    }

    private record Curve(String metric, String legend) {
    }

    private CurveCharts() {
    }

    /** Draws the run's charts into its folder; returns the files written. */
    public static List<Path> write(Path runDir) throws IOException {
        RunCurves run = RunCurves.read(runDir);
        String unit = run.seenUnit();
        List<Spec> specs = new ArrayList<>();
        if (run.isLanguageModel()) {
            specs.add(new Spec("curve-perplexity.png", "Perplexity by epoch", "perplexity", XAxis.EPOCH,
                    List.of(c("train_perplexity", "train"), c("valid_perplexity", "valid"))));
            specs.add(new Spec("curve-perplexity-words.png", "Perplexity by words seen", "perplexity", XAxis.SEEN,
                    List.of(c("perplexity", "train (step)"), c("valid_perplexity", "valid (epoch end)"))));
        } else {
            specs.add(new Spec("curve-loss.png", "Loss by epoch", "loss", XAxis.EPOCH,
                    List.of(c("train_loss", "train"), c("valid_loss", "valid"))));
            specs.add(new Spec("curve-accuracy.png", "Validation accuracy by epoch", "accuracy", XAxis.EPOCH,
                    List.of(c("valid_accuracy", "valid"))));
            specs.add(new Spec("curve-loss-reviews.png", "Loss by reviews seen", "loss", XAxis.SEEN,
                    List.of(c("loss", "train (step)"), c("valid_loss", "valid (epoch end)"))));
        }
        specs.add(new Spec("curve-learning-rate.png", "Learning rate", "learning rate", XAxis.SEEN,
                List.of(c("learning_rate", "learning rate"))));
        specs.add(new Spec("curve-grad-norm.png", "Gradient norm before clipping", "global L2 norm", XAxis.SEEN,
                List.of(c("grad_norm", "step"))));
        specs.add(new Spec("curve-speed.png", "Training speed", unit + "/s", XAxis.SEEN,
                List.of(c("per_second", "epoch so far"))));
        List<Path> written = new ArrayList<>();
        for (Spec spec : specs) {
            List<RunCurves.Series> series = new ArrayList<>();
            for (Curve curve : spec.curves()) {
                Optional<RunCurves.Series> s = run.series(curve.metric(), spec.x(), curve.legend());
                s.ifPresent(series::add);
            }
            if (series.isEmpty()) {
                continue;
            }
            Path file = runDir.resolve(spec.file());
            ChartWriter.write(file, spec.title(), spec.x() == XAxis.SEEN ? unit + " seen" : spec.x().label(),
                    spec.yTitle(), series);
            written.add(file);
        }
        return written;
    }

    /** {@link #write}, logging instead of throwing: a run must not fail for a picture. */
    public static void writeQuietly(Path runDir) {
        try {
            List<Path> files = write(runDir);
            LOG.debug("Learning curves: {}", files);
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.warn("Cannot draw the learning curves in {}: {}", runDir, e.toString());
        }
    }

    private static Curve c(String metric, String legend) {
        return new Curve(metric, legend);
    }
}
