package org.rnnlab.monitor;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;

/**
 * Draws line charts of {@link RunCurves.Series} with XChart and writes them as PNG files through a temporary file
 * and a rename, so a chart being redrawn is never seen half-written.
 */
public final class ChartWriter {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 540;
    /** Series with more points than this are drawn as bare lines; fewer get a marker on every point. */
    private static final int MARKER_LIMIT = 60;

    static {
        // Ctrl-C stops training inside the JVM's shutdown, where the curves are drawn once more. ImageIO's default
        // file cache registers a shutdown hook of its own, which fails there ("Shutdown in progress"); the memory
        // cache does not, and a chart is a few tens of kilobytes.
        javax.imageio.ImageIO.setUseCache(false);
    }

    private ChartWriter() {
    }

    /** Writes a chart of {@code series} to {@code file}; a logarithmic y axis when the values span a factor 20. */
    public static void write(Path file, String title, String xTitle, String yTitle, List<RunCurves.Series> series)
            throws IOException {
        if (series.isEmpty()) {
            throw new IllegalArgumentException("no series to draw for " + file);
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        Styler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
        styler.setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
        boolean log = spansDecades(series);
        chart.getStyler().setYAxisLogarithmic(log);
        for (RunCurves.Series s : series) {
            RunCurves.Series drawn = log ? positive(s) : s;
            if (drawn.size() == 0) {
                continue;
            }
            XYSeries xy = chart.addSeries(uniqueName(chart, drawn.label()), drawn.x(), drawn.y());
            xy.setMarker(drawn.size() <= MARKER_LIMIT ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.write(tmp, png);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static boolean spansDecades(List<RunCurves.Series> series) {
        double min = series.stream().flatMapToDouble(s -> Arrays.stream(s.y())).filter(v -> v > 0).min()
                .orElse(Double.NaN);
        double max = series.stream().flatMapToDouble(s -> Arrays.stream(s.y())).max().orElse(Double.NaN);
        boolean allPositive = series.stream().flatMapToDouble(s -> Arrays.stream(s.y())).allMatch(v -> v > 0);
        return allPositive && max / min >= 20;
    }

    private static RunCurves.Series positive(RunCurves.Series s) {
        int n = 0;
        double[] x = new double[s.size()];
        double[] y = new double[s.size()];
        for (int i = 0; i < s.size(); i++) {
            if (s.y()[i] > 0) {
                x[n] = s.x()[i];
                y[n++] = s.y()[i];
            }
        }
        return new RunCurves.Series(s.label(), Arrays.copyOf(x, n), Arrays.copyOf(y, n));
    }

    /** XChart refuses two series of one name; two runs may share a folder name. */
    private static String uniqueName(XYChart chart, String name) {
        String candidate = name;
        for (int i = 2; chart.getSeriesMap().containsKey(candidate); i++) {
            candidate = name + " (" + i + ")";
        }
        return candidate;
    }
}
