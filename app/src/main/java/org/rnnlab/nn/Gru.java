package org.rnnlab.nn;

import org.rnnlab.nn.layers.GruLayer;
import org.rnnlab.nn.params.GruParamInitializer;

import java.util.Collection;
import java.util.Objects;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of a gated recurrent unit (Gru) layer for DL4J 1.0.0-M2.1, which has no GRU of its own.
 * Use it like DL4J's {@code LSTM}:
 * <pre>{@code
 * .layer(new Gru.Builder().nIn(100).nOut(200)
 *         .activation(Activation.TANH).gateActivationFunction(Activation.SIGMOID)
 *         .weightInit(WeightInit.XAVIER).dropOut(0.8).dataFormat(RNNFormat.NCW).build())
 * }</pre>
 * It also works inside DL4J's {@code Bidirectional} and {@code LastTimeStep} wrappers, with truncated BPTT,
 * {@code rnnTimeStep} and per-time-step feature masks. The implementation is {@link GruLayer}.
 *
 * <h2>Equations</h2>
 * This is the cuDNN / PyTorch ({@code torch.nn.GRU}) / Keras {@code reset_after=true} variant, in which the reset
 * gate multiplies the <em>result</em> of the recurrent matrix product. It is a documented choice: the original
 * formulation of Cho et al. (2014) applies the reset gate to the previous state <em>before</em> the product,
 * {@code n = act(x W_n + b_n + (r ⊙ h) W'_n)}. The variant here lets all three recurrent products of a time step be
 * computed by a single {@code h · RW} product, and its parameters correspond one to one to {@code torch.nn.GRU}'s
 * as PyTorch documents them: {@code W = weight_ih_l0ᵀ}, {@code RW = weight_hh_l0ᵀ}, same gate order r, z, n, and
 * {@code b = [bias_ih_l0, bias_hh_l0]}.
 * With input {@code x} (row vector, size nIn), previous state {@code h} (size nOut), gate activation {@code σ}
 * (default sigmoid) and activation {@code act} (default tanh):
 * <pre>
 *   r  = σ(x W_r + b_r + h W'_r + b'_r)            reset gate
 *   z  = σ(x W_z + b_z + h W'_z + b'_z)            update gate
 *   n  = act(x W_n + b_n + r ⊙ (h W'_n + b'_n))    candidate state
 *   h' = (1 − z) ⊙ n + z ⊙ h                       new state, which is also the layer's output
 * </pre>
 * With a feature mask {@code m} (shape [minibatch, timeSteps], normally 0/1), a step computes
 * {@code h' = m·Gru(x, h) + (1 − m)·h} and outputs {@code m·h'}: a masked step outputs 0 and carries the state
 * through unchanged, so the final state of a padded sequence is the state at its last unmasked step.
 *
 * <h2>Parameters (see {@link GruParamInitializer})</h2>
 * <ul>
 *   <li>{@code "W"}: input weights, shape [nIn, 3·nOut], column blocks in gate order [W_r | W_z | W_n].</li>
 *   <li>{@code "RW"}: recurrent weights, shape [nOut, 3·nOut], column blocks [W'_r | W'_z | W'_n].</li>
 *   <li>{@code "b"}: biases, shape [1, 6·nOut] = [b_r | b_z | b_n | b'_r | b'_z | b'_n]: the input-side biases,
 *       then the recurrent-side biases (PyTorch's {@code bias_ih} then {@code bias_hh}). The recurrent-side
 *       {@code b'_n} is needed because it sits inside the reset-gate product; {@code b_r, b'_r} and
 *       {@code b_z, b'_z} only act through their sums, as in cuDNN and PyTorch.</li>
 * </ul>
 *
 * <h2>Defaults and restrictions</h2>
 * The builder sets the activation to tanh, so a network-wide {@code .activation(...)} does not change a GRU unless
 * it is set on the GRU builder itself. Both activation functions must be deterministic and element-wise: softmax and
 * RReLU are rejected when the layer is instantiated, because the backward pass evaluates the derivatives of all time
 * steps together.
 */
public class Gru extends BaseRecurrentLayer {

    private static final long serialVersionUID = 1L;

    private IActivation gateActivationFn = new ActivationSigmoid();

    /** For JSON deserialisation only. */
    private Gru() {
    }

    protected Gru(Builder builder) {
        super(builder);
        this.gateActivationFn = builder.gateActivationFn;
        initializeConstraints(builder);
    }

    @Override
    protected void initializeConstraints(org.deeplearning4j.nn.conf.layers.Layer.Builder<?> builder) {
        super.initializeConstraints(builder);
        constraints = LayerConfigs.addRecurrentConstraints(constraints, (Builder) builder,
                GruParamInitializer.RECURRENT_WEIGHT_KEY, GruParamInitializer.INPUT_WEIGHT_KEY);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        LayerValidation.assertNInNOutSet("GRU", getLayerName(), layerIndex, getNIn(), getNOut());
        validateActivation("activation", getActivationFn());
        validateActivation("gate activation", gateActivationFn);

        return LayerConfigs.setUp(new GruLayer(conf, networkDataType), this, conf, trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }

    private void validateActivation(String what, IActivation fn) {
        LayerConfigs.validateElementWiseActivation("GRU", getLayerName(), what, fn);
    }

    @Override
    public ParamInitializer initializer() {
        return GruParamInitializer.getInstance();
    }

    /**
     * Memory use, in array elements, from {@link GruLayer}'s buffers. Inference, per example and time step: the
     * time-major input copy (nIn), the input projection before and after its transposing copy (3·nOut each), the
     * recurrent products (3·nOut), the states (nOut) and the output (nOut). Training adds, per example and time step:
     * the backward work arrays (18·nOut: epsilon copy, 5 precomputed factor blocks, a difference buffer, 5 gradient
     * blocks and their transposed copy, a transposed state copy) and the input-gradient copy (nIn), plus
     * pre-activations (3·nOut) when an activation other than sigmoid/tanh is used, plus a dropout copy of the input;
     * and, independent of the minibatch, a reordered copy of the recurrent weights (3·nOut²). GruLayer keeps its
     * forward buffers for backprop in the activations workspace whatever the cache mode, so the cache-mode memory is
     * reported as 0 and the kept buffers are part of the training memory.
     */
    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return LayerConfigs.recurrentMemoryReport(this, Gru.class, inputType, (t, n, in) -> {
            boolean generic = !hasDerivativeFromOutput(getActivationFn())
                    || !hasDerivativeFromOutput(gateActivationFn);
            long fwdPerEx = t * (in + 3 * n + 3 * n + 3 * n + n + n) + n;
            long bwdPerEx = t * (18 * n + in) + (generic ? 3 * n * t : 0) + (getIDropout() != null ? t * in : 0);
            long trainPerEx = fwdPerEx + bwdPerEx;
            long trainFixed = 3 * n * n;
            return new LayerConfigs.RecurrentWorkingMemory(fwdPerEx, MemoryReport.cacheModeMapFor(trainFixed),
                    trainPerEx);
        });
    }

    private static boolean hasDerivativeFromOutput(IActivation fn) {
        return fn instanceof ActivationTanH || fn instanceof ActivationSigmoid;
    }

    public IActivation getGateActivationFn() {
        return gateActivationFn;
    }

    public void setGateActivationFn(IActivation gateActivationFn) {
        this.gateActivationFn = gateActivationFn;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof Gru)) {
            return false;
        }
        Gru other = (Gru) o;
        if (!other.canEqual(this) || !super.equals(o)) {
            return false;
        }
        return Objects.equals(gateActivationFn, other.gateActivationFn);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof Gru;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hashCode(gateActivationFn);
    }

    @Override
    public String toString() {
        return "GRU(super=" + super.toString() + ", gateActivationFn=" + gateActivationFn + ")";
    }

    /** Builder for {@link Gru}; the activation defaults to tanh and the gate activation to sigmoid. */
    @SuppressWarnings("unchecked") // build() narrows DL4J's generic <E extends Layer> E build(), as DL4J's own layers do
    public static class Builder extends BaseRecurrentLayer.Builder<Builder> {

        private IActivation gateActivationFn = new ActivationSigmoid();

        public Builder() {
            this.activationFn = new ActivationTanH();
        }

        /** Activation of the reset and update gates; it should map into [0, 1] (sigmoid, hard sigmoid). */
        public Builder gateActivationFunction(String gateActivationFn) {
            return gateActivationFunction(Activation.fromString(gateActivationFn));
        }

        /** Activation of the reset and update gates; it should map into [0, 1] (sigmoid, hard sigmoid). */
        public Builder gateActivationFunction(Activation gateActivationFn) {
            return gateActivationFunction(gateActivationFn.getActivationFunction());
        }

        /** Activation of the reset and update gates; it should map into [0, 1] (sigmoid, hard sigmoid). */
        public Builder gateActivationFunction(IActivation gateActivationFn) {
            this.gateActivationFn = gateActivationFn;
            return this;
        }

        public IActivation getGateActivationFn() {
            return gateActivationFn;
        }

        @Override
        public Gru build() {
            return new Gru(this);
        }
    }
}
