package org.rnnlab.cli;

import org.rnnlab.monitor.PlotJob;
import org.rnnlab.monitor.XAxis;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code rnnlab plot}: one chart comparing a metric across runs. */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = {"Draw one metric of one or more runs into a PNG chart, one curve per run.",
                "Reads each run's metrics.csv (per epoch) and steps.csv (per step, also of a stopped or crashed run)."})
final class PlotCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RUN", arity = "1..*", description = "Run directories made by 'rnnlab train'.")
    List<Path> runs;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The PNG file to write.")
    Path out;

    @Option(names = "--metric", paramLabel = "NAME",
            description = {"A column of metrics.csv (valid_perplexity, train_perplexity, learning_rate,"
                    + " words_per_second, valid_accuracy, valid_loss, ...) or of steps.csv (perplexity, loss,"
                    + " grad_norm, learning_rate, per_second).",
                    "Default: valid_perplexity or valid_accuracy, or the step perplexity or loss of a run without"
                            + " finished epochs."})
    String metric;

    @Option(names = "--x", paramLabel = "epoch|step|seen",
            description = "The x axis (default: epoch for a metrics.csv column, words or reviews seen for a steps.csv one).")
    String x;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        XAxis axis = x == null ? null : PlotJob.parseAxis(x);
        PlotJob.Result r = PlotJob.plot(runs, metric, axis, out);
        spec.commandLine().getOut().printf(Locale.ROOT, "%s: %s of %d run(s), %d points%n", r.file(), r.metric(),
                r.runs(), r.points());
        return Main.EXIT_OK;
    }
}
