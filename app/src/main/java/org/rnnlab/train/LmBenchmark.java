package org.rnnlab.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.rnnlab.UserInputException;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.LmCorpus;
import org.rnnlab.data.lm.TokenWindows;
import org.rnnlab.model.LmModelFactory;

import java.util.Arrays;

/**
 * Measures language-model training speed: builds the configured network and runs real training
 * steps (the same {@link TbpttStep} and clipping as {@link LmTrainer}) over the training stream,
 * timing a fixed number of steps after a warm-up. Reports words per second and milliseconds per step.
 */
public final class LmBenchmark {

    private LmBenchmark() {
    }

    /** Timing of one benchmark; {@code stepMillis} holds each timed step. */
    public record Result(String config, String cell, int threads, int warmup, int steps, double wordsPerSecond,
                         double medianStepMillis, double meanStepMillis) {
    }

    public static Result run(LmConfig cfg, LmCorpus corpus, int warmup, int steps) {
        LmConfig.Train t = cfg.train();
        TokenWindows windows = new TokenWindows(corpus.train(), t.batchSize(), t.numSteps());
        if (warmup + steps > windows.numWindows()) {
            throw new UserInputException("--warmup + --steps = " + (warmup + steps) + " exceeds the "
                    + windows.numWindows() + " windows of the training data");
        }
        MultiLayerNetwork net = new MultiLayerNetwork(LmModelFactory.build(cfg, corpus.vocabulary().size()));
        net.init();
        if (t.maxGradNorm() > 0) {
            net.setListeners(new GlobalNormClipping(t.maxGradNorm()));
        }
        TbpttStep step = new TbpttStep(net);
        double[] millis = new double[steps];
        for (int k = 0; k < warmup + steps; k++) {
            long start = System.nanoTime();
            step.fit(windows.features(k), windows.labels(k));
            if (k >= warmup) {
                millis[k - warmup] = (System.nanoTime() - start) / 1e6;
            }
        }
        double total = Arrays.stream(millis).sum();
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2];
        long words = (long) steps * t.batchSize() * t.numSteps();
        String threads = System.getenv("OMP_NUM_THREADS");
        return new Result(cfg.name(), cfg.model().cell(), threads == null ? -1 : Integer.parseInt(threads.trim()),
                warmup, steps, words / (total / 1000), median, total / steps);
    }
}
