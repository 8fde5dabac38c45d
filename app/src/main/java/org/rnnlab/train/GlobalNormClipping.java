package org.rnnlab.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Clips gradients by their global L2 norm, as TensorFlow's {@code clip_by_global_norm}: when the
 * norm of all gradients together exceeds {@code maxNorm}, every gradient is scaled by
 * {@code maxNorm / norm}. DL4J only clips per layer or per element, which changes the direction of
 * the update; this keeps it. Runs after the gradient is computed and before the updater sees it.
 */
public final class GlobalNormClipping extends BaseTrainingListener {

    private final double maxNorm;
    private double lastNorm = Double.NaN;

    public GlobalNormClipping(double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be positive: " + maxNorm);
        }
        this.maxNorm = maxNorm;
    }

    @Override
    public void onGradientCalculation(Model model) {
        // The flattened gradient is a view over every layer's gradient, so scaling it in place
        // scales what the updater will read. At this point DL4J's gradient is still summed over the
        // minibatch (its updater divides by the batch size later), so the bound is scaled alike to
        // clip the gradient of the mean loss, as TensorFlow does.
        MultiLayerNetwork net = (MultiLayerNetwork) model;
        INDArray gradient = net.getFlattenedGradients();
        double factor = factor(gradient, net.batchSize());
        if (factor < 1) {
            gradient.muli(factor);
        }
    }

    /**
     * The factor, at most 1, that clips the mean-loss gradient whose batch-summed form is {@code summedGradient}
     * (DL4J's gradient before its updater divides by the batch size); records its norm as {@link #lastNorm}. For
     * callers that fold the factor into their update instead of scaling the gradient.
     */
    public double factor(INDArray summedGradient, int batchSize) {
        double batch = Math.max(batchSize, 1);
        double norm = summedGradient.norm2Number().doubleValue();
        lastNorm = norm / batch;
        return norm > maxNorm * batch ? maxNorm * batch / norm : 1.0;
    }

    /** Global norm of the last step's mean-loss gradient, before clipping. */
    public double lastNorm() {
        return lastNorm;
    }
}
