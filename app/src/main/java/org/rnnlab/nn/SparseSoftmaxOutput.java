package org.rnnlab.nn;

import org.rnnlab.nn.layers.SparseSoftmaxOutputLayer;
import org.rnnlab.nn.params.RowMajorWeightsParamInitializer;

import java.util.Collection;
import java.util.Objects;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossSparseMCXENT;

/**
 * Configuration of a recurrent softmax output layer trained with cross-entropy on integer class labels: the
 * combination DL4J writes as {@code RnnOutputLayer} with {@code LossFunction.SPARSE_MCXENT} and softmax activation,
 * with the same parameters ({@code "W"} [nIn, nOut], {@code "b"} [1, nOut]), the same score and the same gradients,
 * computed faster by {@link SparseSoftmaxOutputLayer}. W is laid out row-major in the parameter vector unless the
 * builder asks for DL4J's column-major layout ({@link Builder#rowMajorWeights}).
 * <pre>{@code
 * .layer(new SparseSoftmaxOutput.Builder().nIn(200).nOut(10000).dataFormat(RNNFormat.NCW).build())
 * }</pre>
 *
 * <h2>Arrays</h2>
 * Input [mb, nIn, T] (NCW) or [mb, T, nIn] (NWC); labels: class indices as [mb, 1, T] (NCW) or [mb, T, 1] (NWC), the
 * format of DL4J's {@code SPARSE_MCXENT}; optional label mask [mb, T]; output: softmax probabilities [mb, nOut, T]
 * (NCW) or [mb, T, nOut] (NWC), zero at masked steps.
 *
 * <h2>Score and gradients</h2>
 * With logits {@code z = x W + b} and {@code p = softmax(z)} for each token (example and time step), label {@code y}
 * and mask {@code m}:
 * <pre>
 *   score = Σ_tokens m · (−log clip(p_y)) / mb  + regularisation      (clip to [1e−10, 1 − 1e−10], as LossMCXENT)
 *   dL/dz = m · (p − onehot(y))          (not divided by mb: DL4J's updater divides gradients by the minibatch)
 * </pre>
 * The builder fixes the loss ({@link LossSparseMCXENT} without class weights) and the activation (softmax); other
 * settings are rejected when the layer is built.
 */
public class SparseSoftmaxOutput extends BaseOutputLayer {

    private static final long serialVersionUID = 1L;

    private RNNFormat rnnDataFormat = RNNFormat.NCW;
    /**
     * W laid out row-major in the parameter vector ({@link RowMajorWeightsParamInitializer}). False, DL4J's
     * column-major layout, is what a configuration without the field (saved before it existed) gets.
     */
    private boolean rowMajorWeights;

    /** For JSON deserialisation only (and subclasses'). */
    protected SparseSoftmaxOutput() {
    }

    protected SparseSoftmaxOutput(Builder builder) {
        super(builder);
        this.rnnDataFormat = builder.rnnDataFormat;
        this.rowMajorWeights = builder.rowMajorWeights;
        initializeConstraints(builder);
        validate();
    }

    private void validate() {
        if (!(getLossFn() instanceof LossSparseMCXENT) || ((LossSparseMCXENT) getLossFn()).getWeights() != null) {
            throw new IllegalArgumentException("SparseSoftmaxOutput layer \"" + getLayerName() + "\": the loss must be"
                    + " LossSparseMCXENT without class weights, got " + getLossFn());
        }
        if (getActivationFn() != null && !(getActivationFn() instanceof ActivationSoftmax)) {
            throw new IllegalArgumentException("SparseSoftmaxOutput layer \"" + getLayerName() + "\": the activation"
                    + " must be softmax, got " + getActivationFn());
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        LayerValidation.assertNInNOutSet("SparseSoftmaxOutput", getLayerName(), layerIndex, getNIn(), getNOut());
        // The network-wide default activation may have been filled in after the builder; softmax is the only option.
        if (!(getActivationFn() instanceof ActivationSoftmax)) {
            throw new IllegalArgumentException("SparseSoftmaxOutput layer \"" + getLayerName() + "\": the activation"
                    + " must be softmax, got " + getActivationFn());
        }
        validate();
        return LayerConfigs.setUp(new SparseSoftmaxOutputLayer(conf, networkDataType), this, conf,
                trainingListeners, layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return rowMajorWeights ? RowMajorWeightsParamInitializer.INSTANCE : DefaultParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType == null || inputType.getType() != InputType.Type.RNN) {
            throw new IllegalStateException("Invalid input type for SparseSoftmaxOutput (layer index = " + layerIndex
                    + ", layer name=\"" + getLayerName() + "\"): expected RNN input, got " + inputType);
        }
        InputType.InputTypeRecurrent itr = (InputType.InputTypeRecurrent) inputType;
        return InputType.recurrent(nOut, itr.getTimeSeriesLength(), itr.getFormat());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType == null || inputType.getType() != InputType.Type.RNN) {
            throw new IllegalStateException("Invalid input type for SparseSoftmaxOutput (layer name=\""
                    + getLayerName() + "\"): expected RNN input, got " + inputType);
        }
        InputType.InputTypeRecurrent r = (InputType.InputTypeRecurrent) inputType;
        if (rnnDataFormat == null || override) {
            this.rnnDataFormat = r.getFormat();
        }
        if (nIn <= 0 || override) {
            this.nIn = r.getSize();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return InputTypeUtil.getPreprocessorForInputTypeRnnLayers(inputType, rnnDataFormat, getLayerName());
    }

    public RNNFormat getRnnDataFormat() {
        return rnnDataFormat;
    }

    public void setRnnDataFormat(RNNFormat rnnDataFormat) {
        this.rnnDataFormat = rnnDataFormat;
    }

    public boolean isRowMajorWeights() {
        return rowMajorWeights;
    }

    public void setRowMajorWeights(boolean rowMajorWeights) {
        this.rowMajorWeights = rowMajorWeights;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof SparseSoftmaxOutput)) {
            return false;
        }
        SparseSoftmaxOutput other = (SparseSoftmaxOutput) o;
        return other.canEqual(this) && super.equals(o) && rnnDataFormat == other.rnnDataFormat
                && rowMajorWeights == other.rowMajorWeights;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof SparseSoftmaxOutput;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * super.hashCode() + Objects.hashCode(rnnDataFormat)) + Boolean.hashCode(rowMajorWeights);
    }

    @Override
    public String toString() {
        return "SparseSoftmaxOutput(super=" + super.toString() + ", rnnDataFormat=" + rnnDataFormat
                + ", rowMajorWeights=" + rowMajorWeights + ")";
    }

    /**
     * Builder for {@link SparseSoftmaxOutput}: loss and activation are fixed; the data format defaults to NCW and the
     * weight layout to row-major.
     */
    public static class Builder extends BaseOutputLayer.Builder<Builder> {

        private RNNFormat rnnDataFormat = RNNFormat.NCW;
        private boolean rowMajorWeights = true;

        public Builder() {
            this.setLossFn(new LossSparseMCXENT());
            this.setActivationFn(new ActivationSoftmax());
        }

        /**
         * NCW = [minibatch, size, timeSteps] (default), NWC = [minibatch, timeSteps, size]; applies to input, labels
         * ([mb, 1, T] or [mb, T, 1]) and output alike.
         */
        public Builder dataFormat(RNNFormat rnnDataFormat) {
            this.rnnDataFormat = rnnDataFormat;
            return this;
        }

        /**
         * true (default): W is a row-major view of the parameter vector, which makes its gradient faster to compute;
         * false: DL4J's column-major layout, so that the parameter vector is interchangeable with an
         * {@code RnnOutputLayer}'s.
         */
        public Builder rowMajorWeights(boolean rowMajorWeights) {
            this.rowMajorWeights = rowMajorWeights;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SparseSoftmaxOutput build() {
            return new SparseSoftmaxOutput(this);
        }
    }
}
