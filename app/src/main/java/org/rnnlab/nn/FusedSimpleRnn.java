package org.rnnlab.nn;

import org.rnnlab.nn.layers.FusedSimpleRnnLayer;

import java.io.IOException;
import java.util.Collection;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.SimpleRnnParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of a fast simple ("vanilla", Elman) recurrent layer: a drop-in replacement for DL4J's
 * {@link SimpleRnn} (same equation, same parameters, same builder options) whose implementation,
 * {@link FusedSimpleRnnLayer}, does the input projections of all time steps in one matrix product and only the
 * recurrent product and the activation per step, where DL4J's runs many small per-step operations.
 * <pre>{@code
 * .layer(new FusedSimpleRnn.Builder().nIn(32).nOut(64).activation(Activation.TANH)
 *         .weightInitRecurrent(WeightInit.UNIFORM).dropOut(new SpatialDropout(0.5)).dataFormat(RNNFormat.NCW).build())
 * }</pre>
 *
 * <h2>Equation (that of DL4J's {@code SimpleRnn})</h2>
 * With input {@code x_t} (row vector, size nIn), previous output {@code h_{t−1}} (size nOut, zero before the first
 * step unless a state is carried over) and layer activation {@code act}:
 * <pre>
 *   h_t = act(x_t W + h_{t−1} RW + b)            the layer's output at step t
 * </pre>
 * Like DL4J's {@code SimpleRnn}, the activation is not defaulted by the builder: unset, it is the network's default
 * activation, which is sigmoid in DL4J; the usual choice (and Keras' default) is {@code .activation(Activation.TANH)}.
 *
 * <h2>Parameters</h2>
 * This class extends DL4J's {@link SimpleRnn} configuration and uses its {@link SimpleRnnParamInitializer}, so layout,
 * keys and initialisation are DL4J's: {@code "W"} [nIn, nOut], {@code "RW"} [nOut, nOut], {@code "b"} [nOut] (rank 1 in
 * DL4J 1.0.0-M2.1), and parameter arrays, whole flattened parameter vectors and seeded initial weights are the same for
 * both layers. Layer normalisation ({@code hasLayerNorm(true)}) is not supported and refused.
 *
 * <h2>Masks</h2>
 * A per-time-step feature mask {@code m} (shape [minibatch, timeSteps], values 0 or 1) gives
 * {@code h_state = m·h_t + (1−m)·h_{t−1}} and output {@code m·h_t}: a masked step outputs 0 and carries the state
 * through unchanged (as {@link FusedLstm}), so the stored state of a padded sequence is the state after its last real
 * step. DL4J's {@code SimpleRnn} also outputs 0 at masked steps but resets the state to 0 there. The two agree on
 * outputs and gradients at real steps when the padding precedes the sequence (the state after it is 0 either way) or
 * follows it; they differ for gaps in the middle of a sequence and in the state left after trailing padding.
 *
 * <h2>Other differences from DL4J's SimpleRnn</h2>
 * The builder's parameter constraints ({@code constrainWeights}, {@code constrainBias},
 * {@code constrainAllParameters}, {@code constrainRecurrent}, {@code constrainInputWeights}) are applied; DL4J's
 * {@code SimpleRnn} silently ignores all of them. In truncated BPTT the gradient is that of the forward pass that
 * actually ran, from the carried-over state (see {@link FusedSimpleRnnLayer}).
 */
public class FusedSimpleRnn extends SimpleRnn {

    private static final long serialVersionUID = 1L;

    /** For JSON deserialisation only (DL4J's SimpleRnn has no constructor a subclass could call without a builder). */
    private FusedSimpleRnn() {
        super(new SimpleRnn.Builder());
    }

    protected FusedSimpleRnn(Builder builder) {
        super(builder);
        initializeConstraints(builder);
    }

    @Override
    protected void initializeConstraints(org.deeplearning4j.nn.conf.layers.Layer.Builder<?> builder) {
        super.initializeConstraints(builder);
        if (builder instanceof BaseRecurrentLayer.Builder<?> b) {
            constraints = LayerConfigs.addRecurrentConstraints(constraints, b,
                    SimpleRnnParamInitializer.RECURRENT_WEIGHT_KEY, SimpleRnnParamInitializer.WEIGHT_KEY);
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        LayerValidation.assertNInNOutSet("FusedSimpleRnn", getLayerName(), layerIndex, getNIn(), getNOut());
        checkNoLayerNorm(this);
        LayerConfigs.validateElementWiseActivation("FusedSimpleRnn", getLayerName(), "activation",
                getActivationFn());

        return LayerConfigs.setUp(new FusedSimpleRnnLayer(conf, networkDataType), this, conf, trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }

    private static void checkNoLayerNorm(FusedSimpleRnn layer) {
        if (layer.hasLayerNorm()) {
            throw new IllegalArgumentException("FusedSimpleRnn layer \"" + layer.getLayerName() + "\": layer"
                    + " normalisation (hasLayerNorm) is not supported; use DL4J's SimpleRnn for it");
        }
    }

    @Override
    public ParamInitializer initializer() {
        return SimpleRnnParamInitializer.getInstance();
    }

    /**
     * Memory use, in array elements. Per example and time step, a forward pass keeps the input copy (nIn), the
     * pre-activations, the states and the output (nOut each); training adds the backward buffers (output gradient,
     * derivative factors and pre-activation gradients, nOut each) and the input gradient (nIn). The forward buffers
     * of a training pass stay in the activations workspace until backprop, so the cache-mode memory is 0 and counted
     * in training memory.
     */
    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return LayerConfigs.recurrentMemoryReport(this, FusedSimpleRnn.class, inputType, (t, n, in) -> {
            long fwdPerEx = t * (in + 3 * n) + n;
            long trainPerEx = fwdPerEx + t * (3 * n + in) + (getIDropout() != null ? t * in : 0);
            return new LayerConfigs.RecurrentWorkingMemory(fwdPerEx, MemoryReport.CACHE_MODE_ALL_ZEROS,
                    trainPerEx);
        });
    }

    /**
     * Equal if the DL4J JSON forms are: DL4J's {@code SimpleRnn.equals} compares only {@code hasLayerNorm} (and would
     * accept a FusedSimpleRnn as equal to a SimpleRnn), so it cannot be built upon, and the JSON form holds every
     * setting of the configuration.
     */
    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof FusedSimpleRnn other && json().equals(other.json()));
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof FusedSimpleRnn;
    }

    @Override
    public int hashCode() {
        return json().hashCode();
    }

    private String json() {
        try {
            return NeuralNetConfiguration.mapper().writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("FusedSimpleRnn layer \"" + getLayerName() + "\" cannot be written as JSON",
                    e);
        }
    }

    @Override
    public String toString() {
        return "FusedSimpleRnn(layerName=" + getLayerName() + ", nIn=" + getNIn() + ", nOut=" + getNOut()
                + ", activationFn=" + getActivationFn() + ", weightInitFn=" + getWeightInitFn()
                + ", weightInitFnRecurrent=" + getWeightInitFnRecurrent() + ", biasInit=" + getBiasInit()
                + ", rnnDataFormat=" + getRnnDataFormat() + ", iDropout=" + getIDropout() + ", constraints="
                + getConstraints() + ")";
    }

    /**
     * Builder for {@link FusedSimpleRnn}, with the options of DL4J's {@code SimpleRnn.Builder} (the chained setters
     * return DL4J's builder type, {@code build()} still builds a {@code FusedSimpleRnn}).
     */
    public static class Builder extends SimpleRnn.Builder {

        @Override
        @SuppressWarnings("unchecked")
        public FusedSimpleRnn build() {
            FusedSimpleRnn layer = new FusedSimpleRnn(this);
            checkNoLayerNorm(layer);
            return layer;
        }
    }
}
