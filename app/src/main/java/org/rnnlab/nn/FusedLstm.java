package org.rnnlab.nn;

import org.rnnlab.nn.layers.FusedLstmLayer;
import org.rnnlab.nn.params.FusedLstmParamInitializer;

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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of a fast LSTM layer: a drop-in replacement for DL4J's {@code LSTM} (same equations, same
 * parameters, same builder options) whose implementation, {@link FusedLstmLayer}, does the work in a few large
 * operations instead of DL4J's many small per-time-step ones.
 * <pre>{@code
 * .layer(new FusedLstm.Builder().nIn(200).nOut(200)
 *         .activation(Activation.TANH).gateActivationFunction(Activation.SIGMOID)
 *         .forgetGateBiasInit(0.0).dropOut(0.5).dataFormat(RNNFormat.NCW).build())
 * }</pre>
 *
 * <h2>Equations (those of DL4J's {@code LSTM}, no peepholes)</h2>
 * With input {@code x} (row vector, size nIn), previous output {@code h} and cell state {@code c} (size nOut),
 * gate activation {@code σ} (default sigmoid) and layer activation {@code act}:
 * <pre>
 *   z  = x W + h RW + b                          four column blocks [z_a | z_f | z_o | z_g]
 *   a  = act(z_a)                                cell input ("input activations" in DL4J)
 *   f  = σ(z_f),  o = σ(z_o),  g = σ(z_g)        forget, output and input ("input modulation") gates
 *   c' = f ⊙ c + g ⊙ a
 *   h' = o ⊙ act(c')                             the layer's output
 * </pre>
 * Like DL4J's {@code LSTM}, the layer activation is not defaulted by the builder: unset, it is the network's
 * default activation, which is sigmoid in DL4J; language models want {@code .activation(Activation.TANH)}.
 *
 * <h2>Parameters (see {@link FusedLstmParamInitializer})</h2>
 * Exactly DL4J's {@code LSTMParamInitializer} layout, so parameter arrays copy one-to-one between the two layers:
 * {@code "W"} [nIn, 4·nOut], {@code "RW"} [nOut, 4·nOut], {@code "b"} [4·nOut], column blocks in the order
 * a, f, o, g above (DL4J calls it "IFOG").
 *
 * <h2>Masks</h2>
 * A per-time-step feature mask {@code m} (shape [minibatch, timeSteps], values 0 or 1) gives
 * {@code h_state = m·h' + (1−m)·h}, {@code c_state = m·c' + (1−m)·c} and output {@code m·h'}: a masked step outputs
 * 0 and carries the state through unchanged, so the stored state of a padded sequence is the state after its last
 * real step. DL4J's {@code LSTM} differs: in a MultiLayerNetwork it does not use the feature mask at all (it leaves
 * masking to the output layer's label mask), and where it gets one (for example inside {@code LastTimeStep}) it
 * zeroes output and state at masked steps. All give the same outputs at real steps and the
 * same gradients for the usual padding at the end of sequences (with the label mask covering the padding); they
 * differ for gaps in the middle of a sequence, in the outputs at masked steps and in the state left after padding.
 *
 * <h2>Other differences from DL4J's LSTM</h2>
 * The non-forget-gate biases are initialised to the layer's bias init (DL4J's LSTM ignores it and leaves them 0;
 * with the default bias init of 0 the two are identical). In truncated BPTT the gradient is that of the forward pass
 * that actually ran, from the carried-over state (see {@link FusedLstmLayer}).
 */
public class FusedLstm extends BaseRecurrentLayer {

    private static final long serialVersionUID = 1L;

    private double forgetGateBiasInit = 1.0;
    private IActivation gateActivationFn = new ActivationSigmoid();

    /** For JSON deserialisation only. */
    private FusedLstm() {
    }

    protected FusedLstm(Builder builder) {
        super(builder);
        this.forgetGateBiasInit = builder.forgetGateBiasInit;
        this.gateActivationFn = builder.gateActivationFn;
        initializeConstraints(builder);
    }

    @Override
    protected void initializeConstraints(org.deeplearning4j.nn.conf.layers.Layer.Builder<?> builder) {
        super.initializeConstraints(builder);
        constraints = LayerConfigs.addRecurrentConstraints(constraints, (Builder) builder,
                FusedLstmParamInitializer.RECURRENT_WEIGHT_KEY, FusedLstmParamInitializer.INPUT_WEIGHT_KEY);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        LayerValidation.assertNInNOutSet("FusedLstm", getLayerName(), layerIndex, getNIn(), getNOut());
        validateActivation("activation", getActivationFn());
        validateActivation("gate activation", gateActivationFn);

        return LayerConfigs.setUp(new FusedLstmLayer(conf, networkDataType), this, conf, trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }

    private void validateActivation(String what, IActivation fn) {
        LayerConfigs.validateElementWiseActivation("FusedLstm", getLayerName(), what, fn);
    }

    @Override
    public ParamInitializer initializer() {
        return FusedLstmParamInitializer.getInstance();
    }

    /**
     * Memory use, in array elements. Per example and time step, a forward pass keeps the input copy (nIn), the
     * pre-activations and the activated gates (4·nOut each), outputs, cell states and act(cell) (3·nOut) and the
     * output (nOut); training adds the backward buffers (6·nOut factors, 7·nOut gradient rows, nOut epsilon copy) and
     * the input gradient (nIn). The forward buffers of a training pass stay in the activations workspace until
     * backprop, so the cache-mode memory is 0 and counted in training memory.
     */
    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return LayerConfigs.recurrentMemoryReport(this, FusedLstm.class, inputType, (t, n, in) -> {
            long fwdPerEx = t * (in + 8 * n + 3 * n + n) + 2 * n;
            long trainPerEx = fwdPerEx + t * (14 * n + in) + (getIDropout() != null ? t * in : 0);
            return new LayerConfigs.RecurrentWorkingMemory(fwdPerEx, MemoryReport.CACHE_MODE_ALL_ZEROS,
                    trainPerEx);
        });
    }

    public double getForgetGateBiasInit() {
        return forgetGateBiasInit;
    }

    public void setForgetGateBiasInit(double forgetGateBiasInit) {
        this.forgetGateBiasInit = forgetGateBiasInit;
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
        if (!(o instanceof FusedLstm)) {
            return false;
        }
        FusedLstm other = (FusedLstm) o;
        if (!other.canEqual(this) || !super.equals(o)) {
            return false;
        }
        return Double.compare(forgetGateBiasInit, other.forgetGateBiasInit) == 0
                && Objects.equals(gateActivationFn, other.gateActivationFn);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof FusedLstm;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * super.hashCode() + Double.hashCode(forgetGateBiasInit)) + Objects.hashCode(gateActivationFn);
    }

    @Override
    public String toString() {
        return "FusedLstm(super=" + super.toString() + ", forgetGateBiasInit=" + forgetGateBiasInit
                + ", gateActivationFn=" + gateActivationFn + ")";
    }

    /**
     * Builder for {@link FusedLstm}, with the options of DL4J's {@code LSTM.Builder}: forget gate bias init defaults
     * to 1.0 and the gate activation to sigmoid, as there.
     */
    public static class Builder extends BaseRecurrentLayer.Builder<Builder> {

        private double forgetGateBiasInit = 1.0;
        private IActivation gateActivationFn = new ActivationSigmoid();

        /** Initial bias of the forget gate (DL4J's default 1.0; the Zaremba et al. PTB models use 0). */
        public Builder forgetGateBiasInit(double biasInit) {
            this.forgetGateBiasInit = biasInit;
            return this;
        }

        /** Activation of the forget, output and input gates; it should map into [0, 1] (sigmoid, hard sigmoid). */
        public Builder gateActivationFunction(String gateActivationFn) {
            return gateActivationFunction(Activation.fromString(gateActivationFn));
        }

        /** Activation of the forget, output and input gates; it should map into [0, 1] (sigmoid, hard sigmoid). */
        public Builder gateActivationFunction(Activation gateActivationFn) {
            return gateActivationFunction(gateActivationFn.getActivationFunction());
        }

        /** Activation of the forget, output and input gates; it should map into [0, 1] (sigmoid, hard sigmoid). */
        public Builder gateActivationFunction(IActivation gateActivationFn) {
            this.gateActivationFn = gateActivationFn;
            return this;
        }

        public double getForgetGateBiasInit() {
            return forgetGateBiasInit;
        }

        public IActivation getGateActivationFn() {
            return gateActivationFn;
        }

        @Override
        @SuppressWarnings("unchecked")
        public FusedLstm build() {
            return new FusedLstm(this);
        }
    }
}
