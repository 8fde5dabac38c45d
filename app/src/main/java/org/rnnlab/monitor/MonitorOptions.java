package org.rnnlab.monitor;

import org.rnnlab.monitor.ui.TrainingUi;

import java.nio.file.Path;
import java.util.List;

/**
 * How a training run is watched: the step log's interval and, when asked for, DL4J's training UI.
 *
 * @param stepEvery write a line to {@code steps.csv} every this many steps
 * @param ui        the training UI's settings, or null for none
 */
public record MonitorOptions(int stepEvery, UiOptions ui) {

    /** Step log every 10 steps, no UI. */
    public static final MonitorOptions DEFAULT = new MonitorOptions(10, null);

    /**
     * Where and how often the training UI reports.
     *
     * @param host  the address to listen on (127.0.0.1 unless the user asks for another)
     * @param port  the port, 0 for any free one
     * @param every collect the UI's statistics every this many steps
     */
    public record UiOptions(String host, int port, int every) {
    }

    /** The observer of the run in {@code runDir}; starts the UI server when one is asked for. */
    public TrainingObserver open(Path runDir) {
        List<TrainingObserver> others = ui == null ? List.of() : List.of(TrainingUi.open(runDir, ui));
        return new RunMonitor(runDir, stepEvery, others);
    }
}
