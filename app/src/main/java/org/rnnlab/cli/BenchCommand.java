package org.rnnlab.cli;

import org.rnnlab.train.LmBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code rnnlab bench}: training speed of a language-model config on its real data. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training speed (words/s) of a language-model config over a fixed number of steps after warm-up.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Language-model config.")
    Path config;

    @Mixin
    DataOption data;

    @Mixin
    ConfigOverrides overrides;

    @Option(names = "--warmup", defaultValue = "10", paramLabel = "N", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "50", paramLabel = "N", description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Mixin
    JsonOutput json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        LmBenchmark.Result r = LmBenchmark.run(
                new LmBenchmark.Request(config, overrides.values(), data.path(), warmup, steps), Datasets::locate);
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            JsonOutput.print(out, r);
        } else {
            out.printf(Locale.ROOT, "%s (%s, %d threads): %.0f words/s, %.1f ms/step median, %.1f ms/step mean over %d steps%n",
                    r.config(), r.cell(), r.threads(), r.wordsPerSecond(), r.medianStepMillis(), r.meanStepMillis(), r.steps());
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
