package org.rnnlab.nn;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.layers.LayerConstraint;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationRReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Helpers shared by the layer configurations ({@link FusedLstm}, {@link FusedSimpleRnn}, {@link Gru},
 * {@link SparseSoftmaxOutput}). Static rather than a common superclass because the configurations extend different
 * DL4J classes ({@code SimpleRnn}, {@code BaseRecurrentLayer}, {@code BaseOutputLayer}), and their JSON form must
 * stay that of those classes.
 */
final class LayerConfigs {

    private LayerConfigs() {
    }

    /**
     * Adds a copy of each of {@code toAdd} (null: none), restricted to the parameter {@code paramKey}, to
     * {@code constraints} (null: a new list); returns the list to store.
     */
    static List<LayerConstraint> addConstraints(List<LayerConstraint> constraints, List<LayerConstraint> toAdd,
                                                String paramKey) {
        if (toAdd == null) {
            return constraints;
        }
        List<LayerConstraint> ret = constraints == null ? new ArrayList<>() : constraints;
        for (LayerConstraint c : toAdd) {
            LayerConstraint c2 = c.clone();
            c2.setParams(Collections.singleton(paramKey));
            ret.add(c2);
        }
        return ret;
    }

    /**
     * Adds the builder's recurrent-weight and input-weight constraints (in that order), restricted to the parameters
     * {@code recurrentKey} and {@code inputKey}, as {@link #addConstraints} does; returns the list to store.
     */
    static List<LayerConstraint> addRecurrentConstraints(List<LayerConstraint> constraints,
                                                         BaseRecurrentLayer.Builder<?> builder, String recurrentKey,
                                                         String inputKey) {
        List<LayerConstraint> ret = addConstraints(constraints, builder.getRecurrentConstraints(), recurrentKey);
        return addConstraints(ret, builder.getInputWeightConstraints(), inputKey);
    }

    /**
     * Rejects a missing activation, and those the recurrent layers cannot differentiate: their backward passes
     * evaluate the derivatives of all steps at once from stored values, which needs an element-wise, deterministic
     * function. {@code kind} and {@code layerName} name the layer, {@code what} the function ("activation", "gate
     * activation").
     */
    static void validateElementWiseActivation(String kind, String layerName, String what, IActivation fn) {
        if (fn == null) {
            throw new IllegalStateException(kind + " layer \"" + layerName + "\": " + what + " function is not set");
        }
        if (fn instanceof ActivationSoftmax || fn instanceof ActivationRReLU) {
            throw new IllegalArgumentException(kind + " layer \"" + layerName + "\": " + what + " " + fn
                    + " is not supported; it must be a deterministic element-wise function");
        }
    }

    /**
     * Working memory of a recurrent layer, in array elements: {@code fwdPerEx} per example for inference,
     * {@code trainFixed} (per cache mode) independent of the minibatch and {@code trainPerEx} per example for training.
     */
    record RecurrentWorkingMemory(long fwdPerEx, Map<CacheMode, Long> trainFixed, long trainPerEx) {
    }

    /** Computes a recurrent layer's working memory from the time steps {@code t} (at least 1), nOut and nIn. */
    @FunctionalInterface
    interface RecurrentMemoryFormula {
        RecurrentWorkingMemory of(long t, long n, long in);
    }

    /**
     * The memory report of a recurrent layer: parameters and updater state, the working memory from
     * {@code formula}, and no cache-mode memory (the layers keep their forward buffers for backprop in the
     * activations workspace, so those are part of the training memory).
     */
    static LayerMemoryReport recurrentMemoryReport(BaseRecurrentLayer layer, Class<? extends Layer> layerClass,
                                                   InputType inputType, RecurrentMemoryFormula formula) {
        InputType.InputTypeRecurrent itr = (InputType.InputTypeRecurrent) inputType;
        long t = itr.getTimeSeriesLength();
        if (t <= 0) {
            t = 1;
        }
        long n = layer.getNOut();
        long in = layer.getNIn();
        InputType outputType = layer.getOutputType(-1, inputType);

        long numParams = layer.initializer().numParams(layer);
        long updaterStateSize = layer.getIUpdater() == null ? 0 : layer.getIUpdater().stateSize(numParams);

        RecurrentWorkingMemory w = formula.of(t, n, in);
        return new LayerMemoryReport.Builder(layer.getLayerName(), layerClass, inputType, outputType)
                .standardMemory(numParams, updaterStateSize)
                .workingMemory(0, w.fwdPerEx(), w.trainFixed(), MemoryReport.cacheModeMapFor(w.trainPerEx()))
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    /**
     * The common part of {@code Layer.instantiate}: wires the new layer implementation {@code ret} to the listeners,
     * index, parameter view (initialised by the configuration's initializer if {@code initializeParams}) and
     * configuration.
     */
    static <L extends org.deeplearning4j.nn.api.Layer> L setUp(L ret, Layer layerConf, NeuralNetConfiguration conf,
                                                Collection<TrainingListener> trainingListeners, int layerIndex,
                                                INDArray layerParamsView, boolean initializeParams) {
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = layerConf.initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }
}
