package org.rnnlab.model;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.rnnlab.nn.SequenceDropout;

/**
 * Variational (locked) dropout of a language model (Gal and Ghahramani 2016): DL4J drops a layer's input, so the
 * dropout between two layers is set on the upper one, as a {@link SequenceDropout}: one mask per example and channel,
 * the same at every time step of a window, drawn anew at each training pass (each window), off in evaluation.
 */
final class LockedDropout {

    private LockedDropout() {
    }

    /** Sets dropout at {@code rate} (0: none, the layer is left as it is) on the input of {@code layer}. */
    static void onInput(Layer layer, double rate) {
        if (rate > 0.0) {
            layer.setIDropout(new SequenceDropout(1.0 - rate));
        }
    }
}
