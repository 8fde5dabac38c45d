package org.rnnlab.nn.params;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The parameter layout that rnnlab's gated recurrent layers share: {@code W} [nIn, G·nOut], then {@code RW}
 * [nOut, G·nOut], then the biases, for G gate blocks. Both weight matrices are column-major ('f') views of the flat
 * vector, so each gate's column block is contiguous and serves directly as a matrix-product target. Subclasses say
 * how many gates, how the bias is shaped and how the weights are initialised.
 */
public abstract class GatedParamInitializer implements ParamInitializer {

    public static final String INPUT_WEIGHT_KEY = DefaultParamInitializer.WEIGHT_KEY;
    public static final String RECURRENT_WEIGHT_KEY = "RW";
    public static final String BIAS_KEY = DefaultParamInitializer.BIAS_KEY;

    private static final List<String> PARAM_KEYS = List.of(INPUT_WEIGHT_KEY, RECURRENT_WEIGHT_KEY, BIAS_KEY);
    private static final List<String> WEIGHT_KEYS = List.of(INPUT_WEIGHT_KEY, RECURRENT_WEIGHT_KEY);
    private static final List<String> BIAS_KEYS = List.of(BIAS_KEY);

    /** Gate blocks of the weight matrices. */
    abstract int gates();

    /** Length of the bias for {@code n} units. */
    abstract long biasLength(long n);

    /** The bias view over its flat range. */
    abstract INDArray biasView(INDArray flatBias, long n);

    /** Name of the layer for error messages. */
    abstract String layerName();

    /** Draws the initial weights into {@code paramsView} and sets the biases in {@code views}. */
    abstract void initialise(BaseRecurrentLayer layer, INDArray paramsView, Map<String, INDArray> views, long nIn,
                             long n, IWeightInit wInit, IWeightInit rwInit);

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        BaseRecurrentLayer c = (BaseRecurrentLayer) layer;
        long n = c.getNOut();
        return c.getNIn() * gates() * n + n * gates() * n + biasLength(n);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return PARAM_KEYS;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return WEIGHT_KEYS;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return BIAS_KEYS;
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return INPUT_WEIGHT_KEY.equals(key) || RECURRENT_WEIGHT_KEY.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS_KEY.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        BaseRecurrentLayer c = (BaseRecurrentLayer) conf.getLayer();
        long nIn = c.getNIn();
        long n = c.getNOut();
        checkLength("parameter", paramsView, numParams(c));
        Map<String, INDArray> views = split(paramsView, nIn, n);
        if (initializeParams) {
            IWeightInit wInit = c.getWeightInitFn();
            IWeightInit rwInit = c.getWeightInitFnRecurrent() != null ? c.getWeightInitFnRecurrent() : wInit;
            initialise(c, paramsView, views, nIn, n, wInit, rwInit);
        }
        conf.addVariable(INPUT_WEIGHT_KEY);
        conf.addVariable(RECURRENT_WEIGHT_KEY);
        conf.addVariable(BIAS_KEY);
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        BaseRecurrentLayer c = (BaseRecurrentLayer) conf.getLayer();
        checkLength("gradient", gradientView, numParams(c));
        return split(gradientView, c.getNIn(), c.getNOut());
    }

    private void checkLength(String what, INDArray view, long expected) {
        if (view.length() != expected) {
            throw new IllegalStateException(layerName() + ": expected a " + what + " view of length " + expected
                    + ", got " + view.length());
        }
    }

    private Map<String, INDArray> split(INDArray flat, long nIn, long n) {
        long wLen = nIn * gates() * n;
        long rwLen = n * gates() * n;
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(INPUT_WEIGHT_KEY, flatView(flat, 0, wLen).reshape('f', nIn, gates() * n));
        out.put(RECURRENT_WEIGHT_KEY, flatView(flat, wLen, rwLen).reshape('f', n, gates() * n));
        out.put(BIAS_KEY, biasView(flatView(flat, wLen + rwLen, biasLength(n)), n));
        return Collections.synchronizedMap(out);
    }

    /** The flat range [offset, offset + length) of {@code flat}; init() fills it in 'f' order, as split() lays it out. */
    static INDArray flatView(INDArray flat, long offset, long length) {
        return flat.reshape(flat.length()).get(NDArrayIndex.interval(offset, offset + length));
    }
}
