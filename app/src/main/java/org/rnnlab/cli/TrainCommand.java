package org.rnnlab.cli;

import org.rnnlab.train.LmTrainer;
import org.rnnlab.train.SentimentTrainer;
import org.rnnlab.train.TrainJob;
import org.rnnlab.train.TrainOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code rnnlab train}: trains a model from a config file, or resumes a run. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model from a YAML config (task: lm or sentiment).",
                "Writes the resolved config, the log, metrics.csv, checkpoint.zip and best.zip into the run directory.",
                "With --resume, --set changes the resumed run, e.g. --set train.epochs=6 to train longer."})
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "Config file, for example configs/ptb-small.yaml.")
    Path config;

    @Mixin
    DataOption data;

    @Option(names = "--run-dir", paramLabel = "DIR", description = "Run directory (default: runs/NAME-TIMESTAMP).")
    Path runDir;

    @Mixin
    ConfigOverrides overrides;

    @Option(names = "--resume", arity = "0..1", paramLabel = "RUN_DIR", fallbackValue = "",
            description = "Continue the run in RUN_DIR (or in --run-dir) from its last checkpoint.")
    String resume;

    @picocli.CommandLine.Mixin
    MonitorFlags monitor = new MonitorFlags();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        boolean resuming = resume != null;
        Path dir = resuming && !resume.isEmpty() ? Path.of(resume) : runDir;
        PrintWriter out = spec.commandLine().getOut();
        // Each epoch's summary is printed once, as the epoch ends (the run log gets the same line).
        TrainOutcome outcome = TrainJob.run(
                new TrainJob.Options(config, overrides.values(), data.path(), dir, resuming, ConsoleLogging.isQuiet(),
                        monitor.options()),
                Datasets::locate,
                run -> ConsoleLogging.attachRunLog(run.path()),
                line -> {
                    out.println(line);
                    out.flush();
                });
        if (outcome instanceof LmTrainer.Result r) {
            if (r.interrupted()) {
                out.printf("stopped (%s); resume with: rnnlab train --resume %s%n", r.stopReason(), r.run().path());
            }
            if (r.bestEpoch() > 0) {
                out.printf(Locale.ROOT, "best valid perplexity %.2f (epoch %d): %s%n", r.bestValidPerplexity(),
                        r.bestEpoch(), r.run().best());
            }
        }
        if (outcome instanceof SentimentTrainer.Result r) {
            printSentiment(out, r);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private static void printSentiment(PrintWriter out, SentimentTrainer.Result r) {
        if (r.interrupted()) {
            out.printf("stopped (%s); resume with: rnnlab train --resume %s%n", r.stopReason(), r.run().path());
        } else if (r.stopReason() != null) {
            out.printf("stopped: %s%n", r.stopReason());
        }
        if (r.bestEpoch() > 0 && Double.isFinite(r.bestValidAccuracy())) {
            out.printf(Locale.ROOT, "best valid accuracy %.2f%% (epoch %d): %s%n", 100 * r.bestValidAccuracy(),
                    r.bestEpoch(), r.run().best());
        } else if (r.bestEpoch() > 0) {
            out.printf("no validation split; model of the last epoch (%d): %s%n", r.bestEpoch(), r.run().best());
        }
        out.printf(Locale.ROOT, "training time: %.1f s%n", r.trainingSeconds());
    }
}
