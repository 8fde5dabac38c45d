package org.rnnlab.nn.params;

import org.rnnlab.nn.Gru;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Parameter layout of a {@link Gru} layer inside the network's flattened parameter vector:
 * {@code W} [nIn, 3·nOut], then {@code RW} [nOut, 3·nOut], then {@code b} [1, 6·nOut]. Both weight matrices are
 * column-major ('f') views, which lets column blocks (one gate each) be used directly as contiguous matrix-product
 * targets; the gate order of the column blocks is r, z, n. The bias holds the input-side biases (r, z, n) and then
 * the recurrent-side biases (r, z, n); see the {@link Gru} Javadoc for the equations.
 *
 * <p>Initialisation: {@code W} uses the layer's weight init with fanIn = nIn and fanOut = nOut (each gate block is an
 * nIn→nOut map); {@code RW} uses the recurrent weight init if set (otherwise the layer's) with fanIn = fanOut = nOut;
 * all biases are set to the layer's bias init (default 0).
 */
public final class GruParamInitializer implements ParamInitializer {

    public static final String INPUT_WEIGHT_KEY = DefaultParamInitializer.WEIGHT_KEY;
    public static final String RECURRENT_WEIGHT_KEY = "RW";
    public static final String BIAS_KEY = DefaultParamInitializer.BIAS_KEY;

    private static final GruParamInitializer INSTANCE = new GruParamInitializer();

    private static final List<String> PARAM_KEYS = Collections.unmodifiableList(
            Arrays.asList(INPUT_WEIGHT_KEY, RECURRENT_WEIGHT_KEY, BIAS_KEY));
    private static final List<String> WEIGHT_KEYS = Collections.unmodifiableList(
            Arrays.asList(INPUT_WEIGHT_KEY, RECURRENT_WEIGHT_KEY));
    private static final List<String> BIAS_KEYS = Collections.singletonList(BIAS_KEY);

    private GruParamInitializer() {
    }

    public static GruParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        Gru c = (Gru) layer;
        long nIn = c.getNIn();
        long n = c.getNOut();
        return nIn * 3 * n + n * 3 * n + 6 * n;
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
        Gru c = (Gru) conf.getLayer();
        long nIn = c.getNIn();
        long n = c.getNOut();
        long expected = numParams(c);
        if (paramsView.length() != expected) {
            throw new IllegalStateException("GRU: expected a parameter view of length " + expected + ", got "
                    + paramsView.length());
        }

        Map<String, INDArray> views = split(paramsView, nIn, n);
        if (initializeParams) {
            IWeightInit wInit = c.getWeightInitFn();
            IWeightInit rwInit = c.getWeightInitFnRecurrent() != null ? c.getWeightInitFnRecurrent() : wInit;
            // init() fills the flat view in 'f' order, so it lines up with the reshaped views from split()
            wInit.init(nIn, n, new long[] {nIn, 3 * n}, 'f', flatView(paramsView, 0, nIn * 3 * n));
            rwInit.init(n, n, new long[] {n, 3 * n}, 'f', flatView(paramsView, nIn * 3 * n, n * 3 * n));
            views.get(BIAS_KEY).assign(c.getBiasInit());
        }

        conf.addVariable(INPUT_WEIGHT_KEY);
        conf.addVariable(RECURRENT_WEIGHT_KEY);
        conf.addVariable(BIAS_KEY);
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        Gru c = (Gru) conf.getLayer();
        long expected = numParams(c);
        if (gradientView.length() != expected) {
            throw new IllegalStateException("GRU: expected a gradient view of length " + expected + ", got "
                    + gradientView.length());
        }
        return split(gradientView, c.getNIn(), c.getNOut());
    }

    private static Map<String, INDArray> split(INDArray flat, long nIn, long n) {
        long wLen = nIn * 3 * n;
        long rwLen = n * 3 * n;
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(INPUT_WEIGHT_KEY, flatView(flat, 0, wLen).reshape('f', nIn, 3 * n));
        out.put(RECURRENT_WEIGHT_KEY, flatView(flat, wLen, rwLen).reshape('f', n, 3 * n));
        out.put(BIAS_KEY, flatView(flat, wLen + rwLen, 6 * n).reshape('c', 1, 6 * n));
        return Collections.synchronizedMap(out);
    }

    private static INDArray flatView(INDArray flat, long offset, long length) {
        return flat.reshape(flat.length()).get(NDArrayIndex.interval(offset, offset + length));
    }
}
