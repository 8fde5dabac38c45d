package org.rnnlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.config.RunConfig;
import org.rnnlab.data.lm.LmCorpusSource;
import org.rnnlab.train.LmBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code rnnlab bench}: training speed of a language-model config on its real data. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training speed (words/s) of a language-model config over a fixed number of steps after warm-up.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Language-model config.")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", description = "Dataset folder or file, instead of the managed datasets.")
    Path data;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config value (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--warmup", defaultValue = "10", paramLabel = "N", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "50", paramLabel = "N", description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (warmup < 0 || steps < 1) {
            throw new org.rnnlab.UserInputException("--warmup must be >= 0 and --steps >= 1 (got " + warmup + ", " + steps + ")");
        }
        RunConfig rc = ConfigLoader.load(config, overrides);
        if (!(rc instanceof LmConfig cfg)) {
            throw new org.rnnlab.UserInputException(config + ": bench measures language-model configs (task: lm)");
        }
        var corpus = LmCorpusSource.load(cfg.data(), data, Datasets::locate, cfg.seed());
        LmBenchmark.Result r = LmBenchmark.run(cfg, corpus, warmup, steps);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(r));
        } else {
            out.printf(Locale.ROOT, "%s (%s, %d threads): %.0f words/s, %.1f ms/step median, %.1f ms/step mean over %d steps%n",
                    r.config(), r.cell(), r.threads(), r.wordsPerSecond(), r.medianStepMillis(), r.meanStepMillis(), r.steps());
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
