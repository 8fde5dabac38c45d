package org.rnnlab.train;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.conf.stepfunctions.NegativeGradientStepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The parameter update of a network trained with plain SGD, in one pass over the parameters:
 * θ ← θ − (η · c / B) · g, with g DL4J's batch-summed gradient, B the batch size, c the global-norm clipping factor
 * and η each parameter's learning rate at this iteration and epoch.
 *
 * <p>Why: DL4J's solver makes four passes over all parameters for the same update (clipping scales the gradient, the
 * updater divides it by B and multiplies it by η, the step function subtracts it), each bound by memory bandwidth over
 * PTB small's 4.65M parameters; without them a step took 11–13% less time. Here one BLAS {@code axpy} per run of
 * parameters with the same updater does it, after the clipping norm's one read.
 *
 * <p>Only for networks where this is exactly DL4J's update up to float rounding ({@link #forNetwork}): every
 * parameter on {@link Sgd}, no regularization, gradient normalization or constraints, the default step function, and
 * every gradient divided by the batch size. Anything else keeps DL4J's solver.
 */
final class SgdUpdate {

    /**
     * A run of the flattened parameters [offset, offset + length) that share one updater configuration: that of
     * parameter {@code param} of {@code layer}, looked up at each step since {@code setLearningRate} changes it.
     */
    private record Run(long offset, long length, org.deeplearning4j.nn.conf.layers.Layer layer, String param) {

        double learningRate(int iteration, int epoch) {
            if (!(layer.getUpdaterByParam(param) instanceof Sgd sgd)) {
                throw new IllegalStateException("Parameter " + param + " of layer " + layer.getLayerName()
                        + " is no longer trained with SGD");
            }
            return sgd.getLearningRate(iteration, epoch);
        }
    }

    private final MultiLayerNetwork net;
    private final List<Run> runs;
    private final boolean divideByBatch;

    private SgdUpdate(MultiLayerNetwork net, List<Run> runs, boolean divideByBatch) {
        this.net = net;
        this.runs = runs;
        this.divideByBatch = divideByBatch;
    }

    /** The one-pass update for {@code net}, or null if DL4J's own update does something this one does not. */
    static SgdUpdate forNetwork(MultiLayerNetwork net) {
        INDArray flat = net.params();
        if (flat == null || !flat.isVector()) {
            return null;
        }
        List<Run> runs = new ArrayList<>();
        long expected = 0;
        for (Layer layer : net.getLayers()) {
            NeuralNetConfiguration c = layer.conf();
            org.deeplearning4j.nn.conf.layers.Layer lc = c.getLayer();
            Map<String, INDArray> params = layer.paramTable(false);
            if (params.isEmpty()) {
                continue;
            }
            if (!(c.getStepFunction() == null || c.getStepFunction() instanceof NegativeGradientStepFunction)
                    || !isEmpty(lc.getConstraints())
                    || lc instanceof BaseLayer b && !(b.getGradientNormalization() == null
                            || b.getGradientNormalization() == GradientNormalization.None)) {
                return null;
            }
            for (Map.Entry<String, INDArray> p : params.entrySet()) {
                IUpdater u = lc.getUpdaterByParam(p.getKey());
                INDArray view = p.getValue();
                // Views in flattening order, one after the other: then each run is one contiguous slice.
                if (!(u instanceof Sgd sgd) || !isEmpty(lc.getRegularizationByParam(p.getKey()))
                        || !layer.updaterDivideByMinibatch(p.getKey()) || view.data().address() != flat.data().address()
                        || view.offset() - flat.offset() != expected) {
                    return null;
                }
                Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                if (last != null && last.layer() == lc && lc.getUpdaterByParam(last.param()) == sgd) {
                    runs.set(runs.size() - 1, new Run(last.offset(), last.length() + view.length(), lc, last.param()));
                } else {
                    runs.add(new Run(expected, view.length(), lc, p.getKey()));
                }
                expected += view.length();
            }
        }
        if (expected != flat.length()) {
            return null;
        }
        return new SgdUpdate(net, runs, net.conf().isMiniBatch());
    }

    private static boolean isEmpty(Collection<?> c) {
        return c == null || c.isEmpty();
    }

    /**
     * Applies θ ← θ − (η · clip / B) · g to the network's parameters for the step that DL4J counts as
     * ({@code iteration}, {@code epoch}); the gradient itself is left as it is.
     */
    void apply(int iteration, int epoch, double clip, int batchSize) {
        INDArray params = net.params().reshape(net.params().length());
        // DL4J lays the gradient views out as the parameter views (it creates both from one initializer pass).
        INDArray grad = net.getFlattenedGradients().reshape(params.length());
        double scale = divideByBatch ? clip / batchSize : clip;
        for (Run r : runs) {
            double alpha = -r.learningRate(iteration, epoch) * scale;
            INDArray x = grad.get(NDArrayIndex.interval(r.offset(), r.offset() + r.length()));
            INDArray y = params.get(NDArrayIndex.interval(r.offset(), r.offset() + r.length()));
            Nd4j.getBlasWrapper().level1().axpy(r.length(), alpha, x, y);
        }
    }
}
