package org.rnnlab.cli;

import org.rnnlab.UserInputException;
import org.rnnlab.monitor.MonitorOptions;
import picocli.CommandLine.Option;

/** {@code train}'s options for watching a run: the step log's interval and DL4J's training UI. */
final class MonitorFlags {

    @Option(names = "--step-log-every", paramLabel = "N", defaultValue = "10",
            description = "Write a line to the run's steps.csv every N steps (default: ${DEFAULT-VALUE}).")
    int stepEvery;

    @Option(names = "--ui", description = {"Serve DL4J's training UI while training (on 127.0.0.1 unless --ui-host"
            + " says otherwise) and record its statistics in the run's ui-stats.bin for 'rnnlab ui'."})
    boolean ui;

    @Option(names = "--ui-port", paramLabel = "PORT", defaultValue = "9000",
            description = "The training UI's port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int uiPort;

    @Option(names = "--ui-host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The address the training UI listens on (default: ${DEFAULT-VALUE}, this machine only);"
                    + " another one makes it reachable from other machines, with a warning.")
    String uiHost;

    @Option(names = "--ui-every", paramLabel = "N", defaultValue = "10",
            description = "Collect the training UI's statistics every N steps (default: ${DEFAULT-VALUE}).")
    int uiEvery;

    MonitorOptions options() {
        if (stepEvery < 1) {
            throw new UserInputException("--step-log-every: expected at least 1 (got " + stepEvery + ")");
        }
        if (uiEvery < 1) {
            throw new UserInputException("--ui-every: expected at least 1 (got " + uiEvery + ")");
        }
        return new MonitorOptions(stepEvery, ui ? new MonitorOptions.UiOptions(uiHost, uiPort, uiEvery) : null);
    }
}
