package org.rnnlab.monitor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.UserInputException;
import org.rnnlab.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CurvesTest {

    @TempDir
    Path dir;

    /** A language-model run folder with {@code epochs} epochs of {@code stepsPerEpoch} steps, 100 words a step. */
    private Path lmRun(String name, int epochs, int stepsPerEpoch, int every, boolean withMetrics) throws Exception {
        Path run = Files.createDirectories(dir.resolve(name));
        try (StepLog log = new StepLog(run, every)) {
            long step = 0;
            for (int e = 1; e <= epochs; e++) {
                for (int k = 0; k < stepsPerEpoch; k++) {
                    step++;
                    double loss = 6.0 / Math.sqrt(step);
                    log.add(new StepRecord(step, e, step * 100, loss, Math.exp(loss), 3.0 + step % 3, 1.0 / e, 500));
                }
                log.flush();
            }
        }
        if (withMetrics) {
            StringBuilder m = new StringBuilder("epoch,learning_rate,train_perplexity,valid_perplexity,words_per_second,"
                    + "epoch_seconds,grad_norm_mean\n");
            for (int e = 1; e <= epochs; e++) {
                m.append(e).append(",").append(1.0 / e).append(",").append(300 / e).append(",").append(350 / e)
                        .append(",500,10,3.5\n");
            }
            Files.writeString(run.resolve("metrics.csv"), m);
        }
        return run;
    }

    @Test
    void stepLogWritesEveryNthStepAndEachEpochsLastStep() throws Exception {
        Path run = lmRun("a", 2, 7, 5, false);
        List<String> lines = Files.readAllLines(run.resolve(StepLog.FILE));
        assertEquals(StepLog.HEADER, lines.get(0));
        // steps 5, 7 (end of epoch 1), 10, 14 (end of epoch 2)
        assertEquals(List.of("5", "7", "10", "14"), lines.subList(1, lines.size()).stream()
                .map(l -> l.substring(0, l.indexOf(','))).toList());
    }

    @Test
    void aRepeatedStepKeepsItsLastLineAndEpochMetricsGetWordsSeen() throws Exception {
        Path run = lmRun("a", 2, 4, 1, true);
        // training resumed after a crash trains steps 7 and 8 again
        Files.writeString(run.resolve(StepLog.FILE), "7,2,700,1.5,4.48,2,0.5,500\n8,2,800,1.0,2.72,2,0.5,500\n",
                java.nio.file.StandardOpenOption.APPEND);
        RunCurves c = RunCurves.read(run);
        assertTrue(c.isLanguageModel());
        RunCurves.Series steps = c.series("perplexity", XAxis.STEP, "p").orElseThrow();
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, steps.x());
        assertEquals(2.72, steps.y()[7], 1e-9);
        RunCurves.Series valid = c.series("valid_perplexity", XAxis.SEEN, "v").orElseThrow();
        assertArrayEquals(new double[] {400, 800}, valid.x(), "words seen at each epoch's end, from the step log");
        assertArrayEquals(new double[] {350, 175}, valid.y());
    }

    @Test
    void drawsTheLanguageModelCurvesAsPngs() throws Exception {
        Path run = lmRun("a", 2, 30, 3, true);
        List<Path> files = CurveCharts.write(run);
        assertEquals(List.of("curve-perplexity.png", "curve-perplexity-words.png", "curve-learning-rate.png",
                "curve-grad-norm.png", "curve-speed.png"), files.stream().map(p -> p.getFileName().toString()).toList());
        for (Path f : files) {
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(f), 4);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, head, f.toString());
        }
    }

    @Test
    void drawsTheSentimentCurvesAsPngs() throws Exception {
        Path run = Files.createDirectories(dir.resolve("imdb"));
        try (StepLog log = new StepLog(run, 2)) {
            for (int step = 1; step <= 20; step++) {
                log.add(new StepRecord(step, (step + 9) / 10, step * 128L, 0.7 / step, Double.NaN, 1.5, 0.001, 900));
            }
        }
        Files.writeString(run.resolve("metrics.csv"), "epoch,train_loss,valid_loss,valid_accuracy,reviews_per_second,"
                + "epoch_seconds,valid_seconds,grad_norm_mean\n1,0.6,0.5,0.75,900,14,1,1.5\n2,0.4,0.45,0.8,900,14,1,1.5\n");
        RunCurves c = RunCurves.read(run);
        assertFalse(c.isLanguageModel());
        assertEquals("reviews", c.seenUnit());
        assertEquals(List.of("curve-loss.png", "curve-accuracy.png", "curve-loss-reviews.png", "curve-learning-rate.png",
                "curve-grad-norm.png", "curve-speed.png"),
                CurveCharts.write(run).stream().map(p -> p.getFileName().toString()).toList());
        assertArrayEquals(new double[] {1280, 2560}, c.series("valid_accuracy", XAxis.SEEN, "a").orElseThrow().x());
    }

    @Test
    void plotsTwoRunsAndACrashedRunFromItsStepLog() throws Exception {
        Path a = lmRun("a", 2, 10, 2, true);
        Path b = lmRun("b", 1, 10, 2, false);
        Path out = dir.resolve("cmp/cmp.png");
        PlotJob.Result r = PlotJob.plot(List.of(a, b), "perplexity", null, out);
        assertTrue(Files.size(out) > 1000);
        assertEquals(XAxis.SEEN, r.x());
        assertEquals(10 + 5, r.points());
        PlotJob.Result byEpoch = PlotJob.plot(List.of(a), null, null, dir.resolve("v.png"));
        assertEquals("valid_perplexity", byEpoch.metric());
        assertEquals(2, byEpoch.points());
    }

    @Test
    void badInputsGetOneLineAndExitCode2() throws Exception {
        Path a = lmRun("a", 1, 4, 2, true);
        Path empty = Files.createDirectories(dir.resolve("empty"));
        UserInputException noMetrics = assertThrows(UserInputException.class,
                () -> PlotJob.plot(List.of(a, empty), null, null, dir.resolve("x.png")));
        assertTrue(noMetrics.getMessage().contains("no metrics.csv or steps.csv"), noMetrics.getMessage());
        UserInputException unknown = assertThrows(UserInputException.class,
                () -> PlotJob.plot(List.of(a), "bleu", null, dir.resolve("x.png")));
        assertTrue(unknown.getMessage().startsWith("--metric: ") && unknown.getMessage().contains("'bleu'")
                && unknown.getMessage().contains("valid_perplexity"), unknown.getMessage());
        assertFalse(Files.exists(dir.resolve("x.png")));

        StringWriter err = new StringWriter();
        int code = Main.execute(new String[] {"plot", a.toString(), "--out", dir.resolve("y.png").toString(),
                "--metric", "bleu"}, new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertEquals(Main.EXIT_USAGE, code);
        assertEquals(1, err.toString().lines().count(), err.toString());
        err.getBuffer().setLength(0);
        code = Main.execute(new String[] {"plot", empty.toString(), "--out", dir.resolve("y.png").toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertEquals(Main.EXIT_USAGE, code);
        assertEquals(1, err.toString().lines().count(), err.toString());
    }
}
