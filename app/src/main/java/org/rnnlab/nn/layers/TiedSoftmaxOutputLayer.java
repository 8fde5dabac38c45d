package org.rnnlab.nn.layers;

import org.rnnlab.nn.TiedSoftmaxOutput;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The layer of {@link TiedSoftmaxOutput}: {@link SparseSoftmaxOutputLayer} with W = Eᵀ, a view of the embedding
 * layer's weights E [vocabulary, size], and dL/dW written into the transposed view of E's gradient, which the
 * embedding layer's backward pass (later in the same backprop) adds its rows to.
 */
public class TiedSoftmaxOutputLayer extends SparseSoftmaxOutputLayer {

    private SequenceEmbeddingLayer embedding;

    public TiedSoftmaxOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Shares the weights of {@code layer} (called when the network is initialised). */
    public void tieTo(SequenceEmbeddingLayer layer) {
        this.embedding = layer;
    }

    private SequenceEmbeddingLayer embedding() {
        if (embedding == null) {
            throw new IllegalStateException("TiedSoftmaxOutput layer " + layerId() + " is not tied to an embedding");
        }
        return embedding;
    }

    @Override
    protected INDArray weights(boolean training, LayerWorkspaceMgr mgr) {
        return embedding().weightView().transpose();
    }

    @Override
    protected INDArray weightGradientView() {
        INDArray g = embedding().weightGradientView();
        if (g == null) {
            throw new IllegalStateException("TiedSoftmaxOutput layer " + layerId()
                    + ": the embedding layer has no gradient view yet");
        }
        return g.transpose();
    }

    @Override
    protected boolean ownsWeights() {
        return false;
    }

    /** Always off: a background weight gradient would write E's gradient while the embedding adds to it. */
    @Override
    public void setOverlapWeightGradient(boolean overlap) {
        super.setOverlapWeightGradient(false);
    }
}
