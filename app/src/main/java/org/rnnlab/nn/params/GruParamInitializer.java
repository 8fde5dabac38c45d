package org.rnnlab.nn.params;

import org.rnnlab.nn.Gru;

import java.util.Map;

import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;

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
public final class GruParamInitializer extends GatedParamInitializer {

    private static final GruParamInitializer INSTANCE = new GruParamInitializer();

    private GruParamInitializer() {
    }

    public static GruParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    int gates() {
        return 3;
    }

    @Override
    long biasLength(long n) {
        return 6 * n;
    }

    @Override
    INDArray biasView(INDArray flatBias, long n) {
        return flatBias.reshape('c', 1, 6 * n);
    }

    @Override
    String layerName() {
        return "GRU";
    }

    @Override
    void initialise(BaseRecurrentLayer layer, INDArray paramsView, Map<String, INDArray> views, long nIn, long n,
                    IWeightInit wInit, IWeightInit rwInit) {
        wInit.init(nIn, n, new long[] {nIn, 3 * n}, 'f', flatView(paramsView, 0, nIn * 3 * n));
        rwInit.init(n, n, new long[] {n, 3 * n}, 'f', flatView(paramsView, nIn * 3 * n, n * 3 * n));
        views.get(BIAS_KEY).assign(layer.getBiasInit());
    }
}
