package org.rnnlab.eval;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rnnlab.data.lm.TokenWindows;

/**
 * Measures a language model's perplexity on a word stream, carrying the recurrent state through the
 * whole stream (as the TensorFlow tutorial's evaluation does). Perplexity is exp of the mean
 * per-word cross-entropy over every target word that the windows cover.
 */
public final class LmEvaluator {

    private LmEvaluator() {
    }

    /** Evaluation figures of one pass over a split. */
    public record Result(double perplexity, double meanCrossEntropy, long words, double seconds) {
        public double wordsPerSecond() {
            return words / Math.max(seconds, 1e-9);
        }
    }

    public static Result evaluate(MultiLayerNetwork net, int[] stream, int batchSize, int numSteps) {
        TokenWindows windows = new TokenWindows(stream, batchSize, numSteps);
        long start = System.nanoTime();
        double totalNll = 0;
        long words = 0;
        net.rnnClearPreviousState();
        try {
            for (int k = 0; k < windows.numWindows(); k++) {
                INDArray probs = net.rnnTimeStep(windows.features(k));
                for (int b = 0; b < batchSize; b++) {
                    for (int t = 0; t < numSteps; t++) {
                        double p = probs.getDouble(b, windows.target(k, b, t), t);
                        // float32 softmax can underflow to 0 for a hopeless word; cap its loss instead of returning infinity
                        totalNll -= Math.log(Math.max(p, 1e-30));
                        words++;
                    }
                }
            }
        } finally {
            net.rnnClearPreviousState();
        }
        double mean = totalNll / words;
        return new Result(Math.exp(mean), mean, words, (System.nanoTime() - start) / 1e9);
    }
}
