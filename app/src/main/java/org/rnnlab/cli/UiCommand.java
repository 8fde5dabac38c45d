package org.rnnlab.cli;

import org.rnnlab.monitor.ui.UiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code rnnlab ui}: serves DL4J's training UI for a run trained with {@code --ui}, until Ctrl-C. */
@Command(name = "ui", mixinStandardHelpOptions = true,
        description = {"Serve DL4J's training UI (score, update:parameter ratios, activations, memory) for a run"
                + " trained with 'train --ui', from its ui-stats.bin, until Ctrl-C."})
final class UiCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RUN", description = "Run directory made by 'rnnlab train --ui'.")
    Path run;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "9000",
            description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = UiServer.DEFAULT_HOST,
            description = "The address to listen on (default: ${DEFAULT-VALUE}, this machine only); another one makes"
                    + " it reachable from other machines, with a warning.")
    String host;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (!java.nio.file.Files.isDirectory(run)) {
            throw new org.rnnlab.UserInputException(run + ": not a folder (expected a run directory made by"
                    + " 'rnnlab train --ui')");
        }
        UiServer server = UiServer.start(run.resolve(UiServer.STATS_FILE), host, port, false);
        PrintWriter out = spec.commandLine().getOut();
        out.println("Training UI of " + run + ": " + server.url() + " (Ctrl-C to stop)");
        out.flush();
        // Serves until the process is stopped; the JVM's shutdown closes the server with it.
        new CountDownLatch(1).await();
        return Main.EXIT_OK;
    }
}
