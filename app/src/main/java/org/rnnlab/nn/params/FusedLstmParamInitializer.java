package org.rnnlab.nn.params;

import org.rnnlab.nn.FusedLstm;

import java.util.Map;

import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
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
public final class FusedLstmParamInitializer extends GatedParamInitializer {

    private static final FusedLstmParamInitializer INSTANCE = new FusedLstmParamInitializer();

    private FusedLstmParamInitializer() {
    }

    public static FusedLstmParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    int gates() {
        return 4;
    }

    @Override
    long biasLength(long n) {
        return 4 * n;
    }

    @Override
    INDArray biasView(INDArray flatBias, long n) {
        // Rank 1, as in DL4J's LSTM (whose bias and bias gradient are [4·nOut] vectors).
        return flatBias;
    }

    @Override
    String layerName() {
        return "FusedLstm";
    }

    @Override
    void initialise(BaseRecurrentLayer layer, INDArray paramsView, Map<String, INDArray> views, long nIn, long n,
                    IWeightInit wInit, IWeightInit rwInit) {
        double fanIn = n;
        double fanOut = nIn + n;
        wInit.init(fanIn, fanOut, new long[] {nIn, 4 * n}, 'f', flatView(paramsView, 0, nIn * 4 * n));
        rwInit.init(fanIn, fanOut, new long[] {n, 4 * n}, 'f', flatView(paramsView, nIn * 4 * n, n * 4 * n));
        INDArray b = views.get(BIAS_KEY);
        b.assign(layer.getBiasInit());
        b.get(NDArrayIndex.interval(n, 2 * n)).assign(((FusedLstm) layer).getForgetGateBiasInit());
    }
}
