package org.rnnlab.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The two output forms of a sentiment model and how labels and probabilities map onto them:
 * {@code softmax} has two units (negative, positive) trained with multi-class cross-entropy,
 * {@code sigmoid} one unit (probability of positive) trained with binary cross-entropy, as the
 * Keras tutorial's {@code Dense(1, activation="sigmoid")}.
 */
public enum SentimentOutput {
    SOFTMAX(2),
    SIGMOID(1);

    private final int units;

    SentimentOutput(int units) {
        this.units = units;
    }

    /** The output of config value {@code softmax} or {@code sigmoid}. */
    public static SentimentOutput of(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }

    public int units() {
        return units;
    }

    /** Label array for label indices (0 negative, 1 positive): one-hot {@code [mb, 2]} or {@code [mb, 1]}. */
    public INDArray labels(int[] labels) {
        float[][] out = new float[labels.length][units];
        for (int i = 0; i < labels.length; i++) {
            if (this == SOFTMAX) {
                out[i][labels[i]] = 1f;
            } else {
                out[i][0] = labels[i];
            }
        }
        return Nd4j.create(out);
    }

    /** The probability of the positive label for each row of the network's output. */
    public float[] positiveProbabilities(INDArray output) {
        return output.getColumn(units - 1).toFloatVector();
    }
}
