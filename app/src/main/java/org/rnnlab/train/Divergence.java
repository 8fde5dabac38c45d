package org.rnnlab.train;

import org.rnnlab.UserInputException;

import java.nio.file.Path;
import java.util.Locale;

/** Stops a run whose loss is no longer a number, naming the step and the last good checkpoint. */
final class Divergence {
    private Divergence() {
    }

    /** @param clipKey the config key that bounds the gradient norm, suggested as a remedy */
    static void check(double loss, int epoch, long step, Path checkpoint, String clipKey) {
        if (!Double.isFinite(loss)) {
            throw new UserInputException(String.format(Locale.ROOT,
                    "training diverged: loss is %s at epoch %d, step %d; the last good checkpoint is %s"
                            + " (lower train.learning_rate or set %s, then train again or --resume)",
                    loss, epoch, step, checkpoint, clipKey));
        }
    }
}
