package org.rnnlab.monitor;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * What a trainer tells the outside world while it trains: the network once it is set up, every step, every
 * finished epoch, and why it stopped. Observers write the step log, draw the learning curves and feed DL4J's
 * training UI; a trainer needs only these few calls, so the training loop stays the trainers' own.
 *
 * <p>{@link #onEpoch} is called after the epoch's line is in {@code metrics.csv}. Observers must not throw for
 * problems of their own (a chart that cannot be drawn): they log them, since a run must not die for a picture.
 */
public interface TrainingObserver extends AutoCloseable {

    /** An observer that does nothing (tests, benchmarks). */
    TrainingObserver NONE = new TrainingObserver() {
    };

    /** The network is built or restored and its own listeners are set; called before the first step. */
    default void onStart(MultiLayerNetwork net) {
    }

    /** One training step is done. */
    default void onStep(StepRecord step) {
    }

    /** Epoch {@code epoch} is finished and its line appended to {@code metrics.csv}. */
    default void onEpoch(int epoch) {
    }

    /** Training ended: {@code reason} says why it stopped early (Ctrl-C, time limit, an error), or is null. */
    default void onStop(String reason) {
    }

    /** Releases files and servers; never throws. */
    @Override
    default void close() {
    }
}
