package org.rnnlab.monitor;

import org.rnnlab.UserInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The {@code plot} command's work: one metric of several runs in one chart, one curve per run. */
public final class PlotJob {

    /** What was drawn. */
    public record Result(Path file, String metric, XAxis x, int runs, int points) {
    }

    private PlotJob() {
    }

    /** {@code epoch}, {@code step} or {@code seen}; anything else is refused in one line. */
    public static XAxis parseAxis(String text) {
        for (XAxis a : XAxis.values()) {
            if (a.label().equals(text.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new UserInputException("--x: expected epoch, step or seen (got '" + text + "')");
    }

    /**
     * Draws {@code metric} (null: the first run's main metric) of every run against {@code x} (null: the metric's
     * natural axis) into the PNG {@code out}.
     */
    public static Result plot(List<Path> runDirs, String metric, XAxis x, Path out) {
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new UserInputException("--out: expected a .png file name (got '" + out + "')");
        }
        List<RunCurves> runs = runDirs.stream().map(RunCurves::read).toList();
        String m = metric != null ? metric : defaultMetric(runs.get(0));
        List<RunCurves.Series> series = new ArrayList<>();
        for (RunCurves run : runs) {
            if (!run.records(m)) {
                throw new UserInputException("--metric: " + run.dir() + " has no metric '" + m + "' (it has: "
                        + String.join(", ", run.metrics()) + ")");
            }
            Optional<RunCurves.Series> s = run.series(m, x, label(run.dir()));
            if (s.isEmpty()) {
                throw new UserInputException("--metric: " + run.dir() + " has no value of '" + m + "'"
                        + (x == null ? "" : " against " + x.label()) + " yet");
            }
            series.add(s.get());
        }
        RunCurves first = runs.get(0);
        XAxis axis = x != null ? x : first.isEpochMetric(m) ? XAxis.EPOCH : XAxis.SEEN;
        String xTitle = axis == XAxis.SEEN ? first.seenUnit() + " seen" : axis.label();
        try {
            if (Files.isDirectory(out)) {
                throw new UserInputException("--out: " + out + " is a folder (expected a .png file name)");
            }
            ChartWriter.write(out, m + (runs.size() > 1 ? " of " + runs.size() + " runs" : ""), xTitle, m, series);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + out, e);
        }
        return new Result(out, m, axis, runs.size(), series.stream().mapToInt(RunCurves.Series::size).sum());
    }

    private static String defaultMetric(RunCurves run) {
        for (String m : List.of("valid_perplexity", "valid_accuracy", "perplexity", "loss")) {
            if (run.series(m, null, m).isPresent()) {
                return m;
            }
        }
        throw new UserInputException("--metric: " + run.dir() + " has no perplexity, accuracy or loss recorded yet;"
                + " name a metric (it has: " + String.join(", ", run.metrics()) + ")");
    }

    /** The run's folder name, as the legend shows it. */
    private static String label(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toString() : name.toString();
    }
}
