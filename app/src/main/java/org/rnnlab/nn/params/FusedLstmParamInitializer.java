package org.rnnlab.nn.params;

import org.rnnlab.nn.FusedLstm;

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
 * Parameter layout of a {@link FusedLstm} layer, identical to DL4J's {@code LSTMParamInitializer} so that parameters
 * (and whole flattened parameter vectors) copy one-to-one between {@code FusedLstm} and DL4J's {@code LSTM}:
 * {@code W} [nIn, 4·nOut], then {@code RW} [nOut, 4·nOut], then {@code b} [4·nOut] (rank 1, as there). Both weight
 * matrices are column-major ('f') views of the flat vector, so each gate's column block is contiguous; the blocks are
 * in the order a (cell input), f (forget gate), o (output gate), g (input gate), see {@link FusedLstm}.
 *
 * <p>Initialisation follows DL4J's LSTM too, including its choice of fans (fanIn = nOut and fanOut = nIn + nOut for
 * both weight matrices) and the order in which the random numbers are drawn ({@code W} then {@code RW}), so a network
 * seeded the same way starts from the same weights with either layer. The forget gate's biases are set to
 * {@link FusedLstm#getForgetGateBiasInit()}, the other biases to the layer's bias init.
 */
public final class FusedLstmParamInitializer implements ParamInitializer {

    public static final String INPUT_WEIGHT_KEY = DefaultParamInitializer.WEIGHT_KEY;
    public static final String RECURRENT_WEIGHT_KEY = "RW";
    public static final String BIAS_KEY = DefaultParamInitializer.BIAS_KEY;

    private static final FusedLstmParamInitializer INSTANCE = new FusedLstmParamInitializer();

    private static final List<String> PARAM_KEYS = Collections.unmodifiableList(
            Arrays.asList(INPUT_WEIGHT_KEY, RECURRENT_WEIGHT_KEY, BIAS_KEY));
    private static final List<String> WEIGHT_KEYS = Collections.unmodifiableList(
            Arrays.asList(INPUT_WEIGHT_KEY, RECURRENT_WEIGHT_KEY));
    private static final List<String> BIAS_KEYS = Collections.singletonList(BIAS_KEY);

    private FusedLstmParamInitializer() {
    }

    public static FusedLstmParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        FusedLstm c = (FusedLstm) layer;
        long nIn = c.getNIn();
        long n = c.getNOut();
        return nIn * 4 * n + n * 4 * n + 4 * n;
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
        FusedLstm c = (FusedLstm) conf.getLayer();
        long nIn = c.getNIn();
        long n = c.getNOut();
        checkLength("parameter", paramsView, numParams(c));

        Map<String, INDArray> views = split(paramsView, nIn, n);
        if (initializeParams) {
            IWeightInit wInit = c.getWeightInitFn();
            IWeightInit rwInit = c.getWeightInitFnRecurrent() != null ? c.getWeightInitFnRecurrent() : wInit;
            double fanIn = n;
            double fanOut = nIn + n;
            // init() fills the flat range in 'f' order, which is how split() lays out its views.
            wInit.init(fanIn, fanOut, new long[] {nIn, 4 * n}, 'f', flatView(paramsView, 0, nIn * 4 * n));
            rwInit.init(fanIn, fanOut, new long[] {n, 4 * n}, 'f', flatView(paramsView, nIn * 4 * n, n * 4 * n));
            INDArray b = views.get(BIAS_KEY);
            b.assign(c.getBiasInit());
            b.get(NDArrayIndex.interval(n, 2 * n)).assign(c.getForgetGateBiasInit());
        }

        conf.addVariable(INPUT_WEIGHT_KEY);
        conf.addVariable(RECURRENT_WEIGHT_KEY);
        conf.addVariable(BIAS_KEY);
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        FusedLstm c = (FusedLstm) conf.getLayer();
        checkLength("gradient", gradientView, numParams(c));
        return split(gradientView, c.getNIn(), c.getNOut());
    }

    private static void checkLength(String what, INDArray view, long expected) {
        if (view.length() != expected) {
            throw new IllegalStateException("FusedLstm: expected a " + what + " view of length " + expected + ", got "
                    + view.length());
        }
    }

    private static Map<String, INDArray> split(INDArray flat, long nIn, long n) {
        long wLen = nIn * 4 * n;
        long rwLen = n * 4 * n;
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(INPUT_WEIGHT_KEY, flatView(flat, 0, wLen).reshape('f', nIn, 4 * n));
        out.put(RECURRENT_WEIGHT_KEY, flatView(flat, wLen, rwLen).reshape('f', n, 4 * n));
        // Rank 1, as in DL4J's LSTM (whose bias and bias gradient are [4·nOut] vectors).
        out.put(BIAS_KEY, flatView(flat, wLen + rwLen, 4 * n));
        return Collections.synchronizedMap(out);
    }

    private static INDArray flatView(INDArray flat, long offset, long length) {
        return flat.reshape(flat.length()).get(NDArrayIndex.interval(offset, offset + length));
    }
}
