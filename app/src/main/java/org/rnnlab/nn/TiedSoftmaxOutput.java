package org.rnnlab.nn;

import org.rnnlab.nn.layers.SequenceEmbeddingLayer;
import org.rnnlab.nn.layers.TiedEmbedding;
import org.rnnlab.nn.layers.TiedSoftmaxOutputLayer;
import org.rnnlab.nn.params.BiasOnlyParamInitializer;

import java.util.Collection;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link SparseSoftmaxOutput} whose weights are the network's word embedding (weight tying: Press and Wolf 2017,
 * Inan et al. 2017): logits {@code z = x Eᵀ + b} with E the [vocabulary, size] weights of the
 * {@link SequenceEmbedding} at the bottom of the same network. Its only own parameter is the bias {@code "b"}; E stays one parameter of the
 * embedding layer, and its gradient is the sum of both uses (the output layer, which runs backward first, writes
 * its part, and the embedding adds its rows). So the updater, global-norm clipping, checkpoints and resume see one
 * matrix, and a saved model is an ordinary one: the tie is made again whenever the network is initialised.
 *
 * <p>Needs nIn = the embedding's size and nOut = the vocabulary. Weight noise does not apply to the tied weights,
 * and the weight gradient is never computed in the background (it would race with the embedding's additions).
 * <pre>{@code
 * .layer(SequenceEmbedding.of(new EmbeddingSequenceLayer.Builder().nIn(10000).nOut(200)...build()))
 * ...
 * .layer(new TiedSoftmaxOutput.Builder().nIn(200).nOut(10000).build())
 * }</pre>
 */
public class TiedSoftmaxOutput extends SparseSoftmaxOutput {

    private static final long serialVersionUID = 1L;

    /** For JSON deserialisation only. */
    protected TiedSoftmaxOutput() {
    }

    protected TiedSoftmaxOutput(Builder builder) {
        super(builder);
        if (!hasBias()) {
            throw new IllegalArgumentException("TiedSoftmaxOutput layer \"" + getLayerName() + "\": needs its bias"
                    + " (its only own parameter)");
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        LayerValidation.assertNInNOutSet("TiedSoftmaxOutput", getLayerName(), layerIndex, getNIn(), getNOut());
        if (!(getActivationFn() instanceof ActivationSoftmax)) {
            throw new IllegalArgumentException("TiedSoftmaxOutput layer \"" + getLayerName() + "\": the activation"
                    + " must be softmax, got " + getActivationFn());
        }
        SequenceEmbeddingLayer embedding = TiedEmbedding.take(layerIndex, layerParamsView, getNIn(),
                getNOut());
        TiedSoftmaxOutputLayer layer = LayerConfigs.setUp(new TiedSoftmaxOutputLayer(conf, networkDataType), this,
                conf, trainingListeners, layerIndex, layerParamsView, initializeParams);
        layer.tieTo(embedding);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return BiasOnlyParamInitializer.INSTANCE;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof TiedSoftmaxOutput;
    }

    @Override
    public String toString() {
        return "TiedSoftmaxOutput(super=" + super.toString() + ")";
    }

    /** Builder for {@link TiedSoftmaxOutput}: as {@link SparseSoftmaxOutput.Builder}. */
    public static class Builder extends SparseSoftmaxOutput.Builder {

        @Override
        @SuppressWarnings("unchecked")
        public TiedSoftmaxOutput build() {
            return new TiedSoftmaxOutput(this);
        }
    }
}
