package org.rnnlab.nn;

import org.rnnlab.nn.layers.LastStepLayer;

import java.util.Collection;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J's {@link LastTimeStep} wrapper (a recurrent layer's output at each example's last unmasked step) whose layer,
 * {@link LastStepLayer}, takes a faster path when every example ends at the last step, as pre-padded reviews do.
 * Configuration, output type and results are DL4J's.
 */
public class LastStep extends LastTimeStep {

    @JsonCreator
    public LastStep(@JsonProperty("underlying") Layer underlying) {
        super(underlying);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        // As DL4J's LastTimeStep: the wrapped layer is built from a copy of the configuration holding it.
        NeuralNetConfiguration inner = conf.clone();
        inner.setLayer(((LastTimeStep) inner.getLayer()).getUnderlying());
        return new LastStepLayer(getUnderlying().instantiate(inner, trainingListeners, layerIndex, layerParamsView,
                initializeParams, networkDataType));
    }
}
