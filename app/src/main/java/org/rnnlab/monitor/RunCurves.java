package org.rnnlab.monitor;

import org.rnnlab.UserInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The learning curves recorded in one run folder: per epoch from {@code metrics.csv}, per step from
 * {@code steps.csv}. Either file may be missing (a run that crashed in its first epoch has only the step log), not
 * both.
 */
public final class RunCurves {

    /** One curve: points with finite coordinates only. */
    public record Series(String label, double[] x, double[] y) {
        public int size() {
            return x.length;
        }
    }

    private static final Set<String> STEP_KEYS = Set.of("step", "epoch", "seen");

    private final Path dir;
    private final MetricTable epochs;
    private final MetricTable steps;
    /** Words or reviews seen at the end of each epoch, from the step log. */
    private final Map<Integer, Double> seenAtEpochEnd = new TreeMap<>();

    private RunCurves(Path dir, MetricTable epochs, MetricTable steps) {
        this.dir = dir;
        this.epochs = epochs;
        this.steps = steps;
        if (steps != null) {
            double[] e = steps.column("epoch");
            double[] seen = steps.column("seen");
            for (int i = 0; i < e.length; i++) {
                seenAtEpochEnd.merge((int) e[i], seen[i], Math::max);
            }
        }
    }

    /** Reads the curves of the run in {@code dir}; refuses a folder with neither file in one line. */
    public static RunCurves read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UserInputException(dir + ": not a folder (expected a run directory made by 'rnnlab train')");
        }
        Path metrics = dir.resolve("metrics.csv");
        Path stepLog = dir.resolve(StepLog.FILE);
        boolean hasMetrics = Files.isRegularFile(metrics);
        boolean hasSteps = Files.isRegularFile(stepLog);
        if (!hasMetrics && !hasSteps) {
            throw new UserInputException(dir + ": no metrics.csv or " + StepLog.FILE
                    + " (expected a run directory made by 'rnnlab train')");
        }
        return new RunCurves(dir, hasMetrics ? MetricTable.read(metrics) : null,
                hasSteps ? latestPerStep(MetricTable.read(stepLog)) : null);
    }

    /** The step log in step order, keeping the last line of a step written twice (training resumed after a crash). */
    private static MetricTable latestPerStep(MetricTable t) {
        if (!t.has("step") || !t.has("epoch") || !t.has("seen")) {
            throw new UserInputException(t.file() + ": expected the columns step, epoch and seen (header: "
                    + String.join(",", t.columns()) + ")");
        }
        int stepCol = t.columns().indexOf("step");
        TreeMap<Double, double[]> byStep = new TreeMap<>();
        for (double[] row : t.rows()) {
            if (Double.isFinite(row[stepCol])) {
                byStep.put(row[stepCol], row);
            }
        }
        return new MetricTable(t.file(), t.columns(), List.copyOf(byStep.values()));
    }

    public Path dir() {
        return dir;
    }

    /** Whether this is a language model's run (perplexities recorded). */
    public boolean isLanguageModel() {
        return (epochs != null && epochs.has("valid_perplexity")) || (steps != null && steps.hasValues("perplexity"));
    }

    /** "words" for a language model, "reviews" for a sentiment classifier. */
    public String seenUnit() {
        return isLanguageModel() ? "words" : "reviews";
    }

    /** Whether {@code metric} is a per-epoch figure of this run. */
    public boolean isEpochMetric(String metric) {
        return epochs != null && epochs.has(metric) && !metric.equals("epoch");
    }

    /** Every metric this run recorded: the columns of metrics.csv, then those only the step log has. */
    public List<String> metrics() {
        Set<String> names = new LinkedHashSet<>();
        if (epochs != null) {
            epochs.columns().stream().filter(c -> !c.equals("epoch")).forEach(names::add);
        }
        if (steps != null) {
            steps.columns().stream().filter(c -> !STEP_KEYS.contains(c)).forEach(names::add);
        }
        return new ArrayList<>(names);
    }

    /**
     * The curve of {@code metric} against {@code x} (null: epochs for a per-epoch metric, words or reviews seen for a
     * step-log one); a metric in both files is taken per epoch. Empty when the run recorded no value of it, or when a
     * per-epoch metric is asked against steps or seen counts that the step log cannot give.
     */
    public Optional<Series> series(String metric, XAxis x, String label) {
        if (isEpochMetric(metric)) {
            XAxis axis = x == null ? XAxis.EPOCH : x;
            double[] e = epochs.column("epoch");
            double[] y = epochs.column(metric);
            double[] xs = new double[e.length];
            for (int i = 0; i < e.length; i++) {
                xs[i] = switch (axis) {
                    case EPOCH -> e[i];
                    case SEEN -> seenAtEpochEnd.getOrDefault((int) e[i], Double.NaN);
                    case STEP -> Double.NaN;
                };
            }
            return finite(label, xs, y);
        }
        if (steps != null && steps.has(metric) && !STEP_KEYS.contains(metric)) {
            XAxis axis = x == null ? XAxis.SEEN : x;
            double[] xs = steps.column(axis == XAxis.STEP ? "step" : axis == XAxis.SEEN ? "seen" : "epoch");
            return finite(label, xs, steps.column(metric));
        }
        return Optional.empty();
    }

    /** Whether {@code metric} was recorded at all (whatever its values). */
    public boolean records(String metric) {
        return metrics().contains(metric);
    }

    private static Optional<Series> finite(String label, double[] x, double[] y) {
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                points.add(new double[] {x[i], y[i]});
            }
        }
        if (points.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Series(label, points.stream().mapToDouble(p -> p[0]).toArray(),
                points.stream().mapToDouble(p -> p[1]).toArray()));
    }
}
