package org.rnnlab.nn;

import org.rnnlab.nn.layers.RecurrentMaskLayer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Configuration of a wrapper that makes a recurrent layer (or a {@code Bidirectional} one) run
 * with the network's feature mask; the implementation is {@link RecurrentMaskLayer}.
 *
 * <p>Why: in DL4J 1.0.0-M2.1 a {@code MultiLayerNetwork} hands the feature mask to each layer
 * through {@code feedForwardMaskArray}, and DL4J's {@code LSTM} passes the mask on without keeping
 * it, so it runs over padded time steps as if they were input (measured: outputs at padding were
 * non-zero, and pre- and post-padded copies of one review got different answers). Only DL4J's own
 * wrappers such as {@code LastTimeStep} set the mask on the layer. {@code SimpleRnn} and rnnlab's
 * GRU keep the mask themselves; wrapping them is harmless, so every recurrent layer is wrapped.
 */
public class RecurrentMask extends BaseWrapperLayer {

    private static final long serialVersionUID = 1L;

    /** For JSON deserialisation only. */
    private RecurrentMask() {
    }

    public RecurrentMask(Layer underlying) {
        super(underlying);
        this.layerName = underlying.getLayerName();
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        NeuralNetConfiguration inner = conf.clone();
        inner.setLayer(((RecurrentMask) inner.getLayer()).getUnderlying());
        return new RecurrentMaskLayer(underlying.instantiate(inner, trainingListeners, layerIndex, layerParamsView,
                initializeParams, networkDataType));
    }
}
