package org.rnnlab.nn.layers;

import org.rnnlab.nn.cpu.kernel.RecurrentParallel;

import org.deeplearning4j.nn.api.Layer;

/**
 * Tells whether a network's recurrent layers split their per-step loops over threads ({@link RecurrentParallel}),
 * for callers that decide what else may run beside them.
 */
public final class RecurrentLoops {

    private RecurrentLoops() {
    }

    /**
     * True if any of {@code layers} runs its per-step loops on several threads at once for a batch of
     * {@code miniBatch} examples, with OpenBLAS's current thread count: then those loops keep every core busy.
     */
    public static boolean anyUsesAllThreads(Layer[] layers, int miniBatch) {
        for (Layer layer : layers) {
            if (layer instanceof AbstractRecurrentLayer<?> r && r.loopsUseAllThreads(miniBatch)) {
                return true;
            }
        }
        return false;
    }
}
