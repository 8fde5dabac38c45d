package org.rnnlab.train;

import org.rnnlab.RunFailure;

import java.util.Locale;

/**
 * The one-line message of a run that diverged: what went wrong where, which checkpoint is the last
 * good one (or that none was written yet), and what to change.
 */
final class Divergence {
    private Divergence() {
    }

    /** A step whose loss is not a finite number. */
    static String atStep(double loss, int epoch, long step) {
        return String.format(Locale.ROOT, "loss is %s at epoch %d, step %d", loss, epoch, step);
    }

    /**
     * @param what        what diverged where ({@link #atStep} or a validation figure)
     * @param lastGood    the last checkpoint written before, e.g. "runs/x/checkpoint.zip (epoch 2, step 0)", or null
     * @param remedyKeys  the config keys to lower, e.g. "train.learning_rate or train.max_grad_norm"
     */
    static RunFailure failure(String what, String lastGood, String remedyKeys) {
        String kept = lastGood == null ? "no checkpoint was written before it"
                : "the last good checkpoint is " + lastGood;
        return new RunFailure(RunFailure.DIVERGED, "training diverged: " + what + "; " + kept + " (lower "
                + remedyKeys + " and train again, or set train.stop_on_divergence: false to keep going)");
    }
}
