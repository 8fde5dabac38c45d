package org.rnnlab.train;

import org.rnnlab.monitor.StepRecord;
import org.rnnlab.monitor.TrainingObserver;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The epoch loop every trainer shares: steps through each epoch from where the run stands, seeds each
 * step, watches for a stop request (Ctrl-C) and the time limit, writes mid-epoch checkpoints every
 * {@code checkpoint_every_minutes} and one at each epoch end, keeps the best model, appends
 * {@code metrics.csv}, shows progress and stops a run that diverges. What a step, a validation or a
 * metrics line is comes from the task ({@link Task}); the rest is here, once, so the LM and the
 * sentiment trainer cannot drift apart.
 *
 * <p>A checkpoint inside an epoch holds the step reached, the epoch's running sums ({@link EpochSums})
 * and the task's extras (the LM's recurrent state); with the per-step seed and the data order being
 * functions of the position, a run resumed from it continues exactly as the uninterrupted run.
 */
final class EpochLoop<M> {

    private static final Logger LOG = LogManager.getLogger(EpochLoop.class);
    /** Summary lines go to the run log only: the console gets them once, through {@code onEpoch}. */
    private static final Logger FILE_LOG = LogManager.getLogger("rnnlab.runlog");
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    /** One training step's figures: its loss term for the epoch sum, the examples it saw, its loss, its gradient norm. */
    record Step(double lossTerm, long examples, double loss, double gradNorm) {
    }

    /**
     * A finished epoch as the task judged it: its metrics, whether it beats the best so far and the
     * best figure to keep if so, and why it diverged (null when it did not).
     */
    record EpochEnd<M>(M metrics, boolean improves, double bestValue, String divergence) {
    }

    /** What a task contributes to the loop. */
    interface Task<M> {
        int epochs();

        long stepsPerEpoch();

        double learningRate(int epoch);

        /** Why training ends before {@code epoch} (early stopping), or null to train it. */
        default String stopBefore(int epoch, TrainingState state) {
            return null;
        }

        /** Prepares an epoch that starts at {@code firstStep} (0, or a resumed position). */
        void beginEpoch(int epoch, long firstStep, double learningRate);

        /** Runs step {@code k} of {@code epoch}. */
        Step step(int epoch, long k);

        /** The progress bar's message, e.g. "ppl 143.2 | 4,100 w/s". */
        String progress(EpochSums sums, double seconds);

        /**
         * The step log's record of a step: step {@code iteration} of the run, {@code s} its figures, {@code sums} the
         * epoch's so far after {@code seconds}.
         */
        StepRecord stepRecord(long iteration, int epoch, Step s, EpochSums sums, double seconds, double learningRate);

        /** Called after each step, e.g. to log every N steps. */
        default void afterStep(int epoch, long k, EpochSums sums, double seconds) {
        }

        /** What a mid-epoch checkpoint needs besides the sums (the LM's recurrent state). */
        default Map<String, byte[]> midEpochExtras() {
            return Map.of();
        }

        void saveCheckpoint(TrainingState state, Map<String, byte[]> extras);

        /** Validates the model after {@code epoch} and judges it against {@code bestSoFar}. */
        EpochEnd<M> endEpoch(int epoch, double learningRate, EpochSums sums, double seconds, double bestSoFar);

        String metricsHeader();

        String metricsRow(EpochEnd<M> end, EpochSums sums, double seconds);

        /** The epoch's summary line. */
        String summary(EpochEnd<M> end, boolean best);

        /** The config keys to lower when training diverges. */
        String remedyKeys();
    }

    /** How the loop ended: the epochs finished here, where the run stands, and why it stopped early (or null). */
    record Outcome<M>(List<M> epochs, TrainingState state, boolean interrupted, String stopReason) {
    }

    /** How the loop runs: seed, progress, checkpoint interval, divergence policy, time limit and stop request. */
    record Settings(long seed, boolean quiet, double checkpointEveryMinutes, boolean stopOnDivergence,
                    double timeLimitMinutes, StopRequest stop, Consumer<String> onEpoch, TrainingObserver observer) {
    }

    private final Task<M> task;
    private final RunDirectory run;
    private final Settings settings;
    private String lastCheckpoint;
    private long lastCheckpointNanos = System.nanoTime();

    EpochLoop(Task<M> task, RunDirectory run, Settings settings) {
        this.task = task;
        this.run = run;
        this.settings = settings;
    }

    /**
     * Trains from {@code state}. {@code carried} holds the sums of a mid-epoch checkpoint being resumed
     * (null otherwise); {@code resumed} tells that {@code state} came from the run's checkpoint.
     */
    Outcome<M> run(TrainingState state, EpochSums carried, boolean resumed) {
        if (resumed) {
            lastCheckpoint = describe(state.epoch(), state.stepsDone());
        }
        RunClock clock = new RunClock(state.elapsedSeconds(), settings.timeLimitMinutes());
        StopRequest stop = settings.stop();
        List<M> history = new ArrayList<>();
        long steps = task.stepsPerEpoch();
        long everyNanos = (long) (settings.checkpointEveryMinutes() * 60e9);
        for (int epoch = state.epoch(); epoch <= task.epochs(); epoch++) {
            String early = task.stopBefore(epoch, state);
            if (early != null) {
                return new Outcome<>(history, state, false, early);
            }
            double lr = task.learningRate(epoch);
            long firstStep = epoch == state.epoch() ? state.stepsDone() : 0;
            task.beginEpoch(epoch, firstStep, lr);
            EpochSums sums = firstStep > 0 && carried != null ? carried : EpochSums.ZERO;
            long epochStart = System.nanoTime() - (long) (sums.seconds() * 1e9);
            boolean stopped = false;
            boolean warned = false;
            try (EpochProgress progress = new EpochProgress("epoch " + epoch + "/" + task.epochs(), steps, firstStep,
                    settings.quiet())) {
                for (long k = firstStep; k < steps; k++) {
                    StepSeed.apply(settings.seed(), state.iteration());
                    Step s = task.step(epoch, k);
                    state = new TrainingState(epoch, k + 1, state.iteration() + 1, lr, state.bestMetric(),
                            state.bestEpoch(), state.elapsedSeconds());
                    if (!Double.isFinite(s.loss())) {
                        String what = Divergence.atStep(s.loss(), epoch, k + 1);
                        if (settings.stopOnDivergence()) {
                            throw Divergence.failure(what, lastCheckpoint, task.remedyKeys());
                        }
                        if (!warned) {
                            LOG.warn("Diverging: {} (train.stop_on_divergence is false: going on)", what);
                            warned = true;
                        }
                    }
                    sums = sums.plus(s.lossTerm(), s.examples(), s.gradNorm());
                    double secs = (System.nanoTime() - epochStart) / 1e9;
                    settings.observer().onStep(task.stepRecord(state.iteration(), epoch, s, sums, secs, lr));
                    progress.update(k + 1, task.progress(sums, secs));
                    task.afterStep(epoch, k, sums, secs);
                    boolean last = k + 1 == steps;
                    if ((stop.isRequested() || clock.timeUp()) && !last) {
                        stopped = true;
                        break;
                    }
                    if (everyNanos > 0 && !last && System.nanoTime() - lastCheckpointNanos >= everyNanos) {
                        state = withElapsed(state, clock);
                        saveMidEpoch(state, sums.withSeconds((System.nanoTime() - epochStart) / 1e9), steps);
                    }
                }
            }
            double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
            if (stopped) {
                String reason = stop.isRequested() ? "interrupted" : "time limit reached";
                state = withElapsed(state, clock);
                saveMidEpoch(state, sums.withSeconds(epochSeconds), steps);
                LOG.info("Stopped ({}) at epoch {}, step {}/{}; checkpoint {} — continue with: rnnlab train --resume {}",
                        reason, epoch, state.stepsDone(), steps, run.checkpoint(), run.path());
                return new Outcome<>(history, state, true, reason);
            }
            EpochEnd<M> end = task.endEpoch(epoch, lr, sums, epochSeconds, state.bestMetric());
            if (end.divergence() != null) {
                if (settings.stopOnDivergence()) {
                    FILE_LOG.info(task.summary(end, false));
                    throw Divergence.failure(end.divergence(), lastCheckpoint, task.remedyKeys());
                }
                LOG.warn("Diverging: {} (train.stop_on_divergence is false: going on; this epoch is never 'best')",
                        end.divergence());
            }
            history.add(end.metrics());
            boolean best = end.improves() && end.divergence() == null;
            state = new TrainingState(epoch + 1, 0, state.iteration(), task.learningRate(epoch + 1),
                    best ? end.bestValue() : state.bestMetric(), best ? epoch : state.bestEpoch(),
                    clock.elapsedSeconds());
            save(state, Map.of());
            if (best) {
                Checkpoints.promoteToBest(run);
            }
            run.appendMetrics(task.metricsHeader(), task.metricsRow(end, sums, epochSeconds));
            settings.observer().onEpoch(epoch);
            String summary = task.summary(end, best);
            FILE_LOG.info(summary);
            settings.onEpoch().accept(summary);
            if (stop.isRequested() || clock.timeUp()) {
                String why = stop.isRequested() ? "interrupted" : "time limit reached";
                boolean more = epoch < task.epochs();
                return new Outcome<>(history, state, more, more ? why : null);
            }
        }
        return new Outcome<>(history, state, false, null);
    }

    private void saveMidEpoch(TrainingState state, EpochSums sums, long steps) {
        Map<String, byte[]> extras = new HashMap<>(task.midEpochExtras());
        extras.put(EpochSums.EXTRA, sums.toJson());
        long t0 = System.nanoTime();
        long cpu0 = CPU.getCurrentThreadCpuTime();
        save(state, extras);
        // CPU time as well: on a busy machine the wall time says more about the neighbours than about the write.
        LOG.info(String.format(Locale.ROOT, "Checkpoint at epoch %d, step %d/%d (written in %.2f s, %.2f s of CPU)",
                state.epoch(), state.stepsDone(), steps, (System.nanoTime() - t0) / 1e9,
                (CPU.getCurrentThreadCpuTime() - cpu0) / 1e9));
    }

    private void save(TrainingState state, Map<String, byte[]> extras) {
        task.saveCheckpoint(state, extras);
        lastCheckpoint = describe(state.epoch(), state.stepsDone());
        lastCheckpointNanos = System.nanoTime();
    }

    private String describe(int epoch, long step) {
        return step == 0 ? String.format(Locale.ROOT, "%s (from the end of epoch %d)", run.checkpoint(), epoch - 1)
                : String.format(Locale.ROOT, "%s (epoch %d, step %d)", run.checkpoint(), epoch, step);
    }

    private static TrainingState withElapsed(TrainingState s, RunClock clock) {
        return new TrainingState(s.epoch(), s.stepsDone(), s.iteration(), s.learningRate(), s.bestMetric(),
                s.bestEpoch(), clock.elapsedSeconds());
    }
}
