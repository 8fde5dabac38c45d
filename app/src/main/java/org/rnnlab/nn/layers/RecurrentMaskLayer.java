package org.rnnlab.nn.layers;

import org.rnnlab.nn.RecurrentMask;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The layer of {@link RecurrentMask}: gives the feature mask {@code [mb, T]} to the wrapped
 * recurrent layer explicitly, so its forward pass outputs zeros and resets its state at masked
 * steps and its backward pass sends no error through them. The mask travels on unchanged to the
 * layers above (pooling needs it). Everything else is the wrapped layer's.
 */
public class RecurrentMaskLayer extends BaseWrapperLayer {

    private static final long serialVersionUID = 1L;

    public RecurrentMaskLayer(Layer underlying) {
        super(underlying);
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        Pair<INDArray, MaskState> out = underlying.feedForwardMaskArray(maskArray, currentMaskState, minibatchSize);
        underlying.setMaskArray(maskArray);
        return out;
    }
}
