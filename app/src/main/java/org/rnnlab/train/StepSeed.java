package org.rnnlab.train;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeds ND4J's random generator before each training step from the run's seed and the global
 * iteration, so dropout masks are a function of the position in the run: a resumed run draws exactly
 * the masks the uninterrupted run would have drawn.
 */
final class StepSeed {
    private StepSeed() {
    }

    static void apply(long runSeed, long iteration) {
        Nd4j.getRandom().setSeed(runSeed * 1_000_003L + iteration);
    }
}
