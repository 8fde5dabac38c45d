package org.rnnlab.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.rnnlab.UserInputException;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.config.RunConfig;
import org.rnnlab.data.lm.LmCorpus;
import org.rnnlab.data.lm.LmCorpusSource;
import org.rnnlab.data.lm.TokenWindows;
import org.rnnlab.model.LmModelFactory;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The {@code bench} command's work: measures language-model training speed. Builds the configured network
 * and runs real training steps (the same {@link TbpttStep} and clipping as {@link LmTrainer}) over the
 * training stream, timing a fixed number of steps after a warm-up. Reports words per second, milliseconds
 * per step and the thread counts in force.
 */
public final class LmBenchmark {

    private LmBenchmark() {
    }

    /**
     * What to measure: a config file with {@code --set} overrides, {@code --data} (or null for the managed
     * dataset), untimed and timed steps.
     */
    public record Request(Path configFile, List<String> overrides, Path dataDir, int warmup, int steps) {
    }

    /**
     * Timing of one benchmark: the median and mean of the timed steps. {@code threads} is OpenBLAS's thread count
     * in force (the products, and the parts the recurrent layers split their loops into), {@code nd4jThreads}
     * libnd4j's OpenMP threads; both are asked of ND4J, whatever {@code OMP_NUM_THREADS} requested.
     */
    public record Result(String config, String cell, int threads, int nd4jThreads, int warmup, int steps,
                         double wordsPerSecond, double medianStepMillis, double meanStepMillis) {
    }

    /** Loads the config and its corpus ({@code datasets} finds a managed dataset by name) and measures. */
    public static Result run(Request req, Function<String, Path> datasets) {
        if (req.warmup() < 0 || req.steps() < 1) {
            throw new UserInputException("--warmup must be >= 0 and --steps >= 1 (got " + req.warmup() + ", "
                    + req.steps() + ")");
        }
        RunConfig rc = ConfigLoader.load(req.configFile(), req.overrides());
        if (!(rc instanceof LmConfig cfg)) {
            throw new UserInputException(req.configFile() + ": bench measures language-model configs (task: lm)");
        }
        return run(cfg, LmCorpusSource.load(cfg.data(), req.dataDir(), datasets, cfg.seed()), req.warmup(), req.steps());
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
        int blasThreads = Nd4j.factory().blas().getMaxThreads();
        int nd4jThreads = Nd4j.getEnvironment().maxThreads();
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
        return new Result(cfg.name(), cfg.model().cell(), blasThreads, nd4jThreads, warmup, steps,
                words / (total / 1000), median, total / steps);
    }
}
