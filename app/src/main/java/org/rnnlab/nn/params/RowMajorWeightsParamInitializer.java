package org.rnnlab.nn.params;

import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DL4J's {@link DefaultParamInitializer} ({@code "W"} [nIn, nOut], {@code "b"} [1, nOut], same keys, sizes and
 * initialisation draws), except that W and its gradient are row-major ('c') views of the flat vectors instead of
 * column-major.
 *
 * <p>Why: for the 200×10,000 softmax layer of PTB the weight gradient {@code Xᵀ·G} is one of the three largest
 * products of a training step, and OpenBLAS (0.3.19, bundled with ND4J 1.0.0-M2.1) computes it into a row-major
 * matrix in 27–31 ms but into a column-major one in 39–44 ms (1 thread; 16–18 against 26–32 ms with 2); the forward
 * and input-gradient products take the same time with either layout.
 */
public final class RowMajorWeightsParamInitializer extends DefaultParamInitializer {

    public static final RowMajorWeightsParamInitializer INSTANCE = new RowMajorWeightsParamInitializer();

    private RowMajorWeightsParamInitializer() {
    }

    @Override
    protected INDArray createWeightMatrix(long nIn, long nOut, IWeightInit weightInit, INDArray weightParamView,
                                          boolean initializeParameters) {
        long[] shape = {nIn, nOut};
        if (initializeParameters) {
            return weightInit.init(nIn, nOut, shape, 'c', weightParamView);
        }
        return weightParamView.reshape('c', shape);
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        Map<String, INDArray> out = super.getGradientsFromFlattened(conf, gradientView);
        FeedForwardLayer layer = (FeedForwardLayer) conf.getLayer();
        long nIn = layer.getNIn();
        long nOut = layer.getNOut();
        INDArray flat = gradientView.reshape(gradientView.length());
        out.put(WEIGHT_KEY, flat.get(NDArrayIndex.interval(0, nIn * nOut)).reshape('c', nIn, nOut));
        return out;
    }
}
