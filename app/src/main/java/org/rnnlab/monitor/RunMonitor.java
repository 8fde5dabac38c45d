package org.rnnlab.monitor;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.nio.file.Path;
import java.util.List;

/**
 * The observer every training run gets: the step log ({@code steps.csv}) and the learning-curve PNGs, redrawn after
 * each epoch and when training stops (Ctrl-C, time limit, crash), plus any further observers (the training UI).
 */
public final class RunMonitor implements TrainingObserver {

    private static final Logger LOG = LogManager.getLogger(RunMonitor.class);

    private final Path runDir;
    private final StepLog stepLog;
    private final List<TrainingObserver> others;
    private boolean stepsSinceCharts;

    /** Watches the run in {@code runDir}, writing the step log every {@code stepEvery} steps. */
    public RunMonitor(Path runDir, int stepEvery, List<TrainingObserver> others) {
        this.runDir = runDir;
        this.stepLog = new StepLog(runDir, stepEvery);
        this.others = List.copyOf(others);
    }

    @Override
    public void onStart(MultiLayerNetwork net) {
        others.forEach(o -> o.onStart(net));
    }

    @Override
    public void onStep(StepRecord step) {
        stepLog.add(step);
        stepsSinceCharts = true;
        for (TrainingObserver o : others) {
            o.onStep(step);
        }
    }

    @Override
    public void onEpoch(int epoch) {
        stepLog.flush();
        CurveCharts.writeQuietly(runDir);
        stepsSinceCharts = false;
        others.forEach(o -> o.onEpoch(epoch));
    }

    @Override
    public void onStop(String reason) {
        stepLog.flush();
        if (stepsSinceCharts) {
            CurveCharts.writeQuietly(runDir);
            stepsSinceCharts = false;
        }
        others.forEach(o -> o.onStop(reason));
    }

    @Override
    public void close() {
        stepLog.close();
        for (TrainingObserver o : others) {
            try {
                o.close();
            } catch (RuntimeException e) {
                LOG.warn("Cannot close {}: {}", o, e.toString());
            }
        }
    }
}
