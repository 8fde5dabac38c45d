package org.rnnlab.nn.params;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Parameters of a layer whose only own parameter is its bias {@code "b"} [1, nOut], initialised to the layer's
 * {@code biasInit}: the tied softmax output, whose weights are another layer's parameter
 * ({@link org.rnnlab.nn.TiedSoftmaxOutput}).
 */
public final class BiasOnlyParamInitializer implements ParamInitializer {

    public static final BiasOnlyParamInitializer INSTANCE = new BiasOnlyParamInitializer();
    private static final String BIAS_KEY = DefaultParamInitializer.BIAS_KEY;

    private BiasOnlyParamInitializer() {
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return ((FeedForwardLayer) layer).getNOut();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return Collections.singletonList(BIAS_KEY);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return Collections.emptyList();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return Collections.singletonList(BIAS_KEY);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return false;
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS_KEY.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        long nOut = numParams(conf);
        INDArray b = paramsView.reshape(paramsView.length()).get(NDArrayIndex.interval(0, nOut)).reshape(1, nOut);
        if (initializeParams) {
            b.assign(((BaseLayer) conf.getLayer()).getBiasInit());
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(BIAS_KEY, b);
        conf.addVariable(BIAS_KEY);
        return out;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        long nOut = numParams(conf);
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(BIAS_KEY, gradientView.reshape(gradientView.length()).get(NDArrayIndex.interval(0, nOut))
                .reshape(1, nOut));
        return out;
    }
}
