package org.rnnlab.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.util.Random;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Deterministic double-precision inputs and labels shared by the recurrent-layer tests, and the serialization round
 * trips their configurations must survive.
 */
public final class LayerTestData {

    private LayerTestData() {
    }

    /** Runs {@code body} with OpenBLAS on {@code threads} threads, then sets back the count it had. */
    public static void withBlasThreads(int threads, Runnable body) {
        int before = openblas_nolapack.blas_get_num_threads();
        openblas_nolapack.blas_set_num_threads(threads);
        try {
            body.run();
        } finally {
            openblas_nolapack.blas_set_num_threads(before);
        }
    }

    /** Uniform random values in [-scale, scale], reproducible from the seed. */
    public static INDArray uniform(long seed, double scale, long... shape) {
        Random rnd = new Random(seed);
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        long len = a.length();
        for (long i = 0; i < len; i++) {
            a.putScalar(i, (2 * rnd.nextDouble() - 1) * scale);
        }
        return a;
    }

    /** One-hot labels [mb, nClasses, T] (NCW). */
    public static INDArray oneHotNcw(long seed, int mb, int nClasses, int t) {
        Random rnd = new Random(seed);
        INDArray l = Nd4j.zeros(DataType.DOUBLE, mb, nClasses, t);
        for (int i = 0; i < mb; i++) {
            for (int j = 0; j < t; j++) {
                l.putScalar(i, rnd.nextInt(nClasses), j, 1.0);
            }
        }
        return l;
    }

    /** One-hot labels [mb, nClasses]. */
    public static INDArray oneHot2d(long seed, int mb, int nClasses) {
        Random rnd = new Random(seed);
        INDArray l = Nd4j.zeros(DataType.DOUBLE, mb, nClasses);
        for (int i = 0; i < mb; i++) {
            l.putScalar(i, rnd.nextInt(nClasses), 1.0);
        }
        return l;
    }

    /**
     * DL4J's JSON and YAML round trips of {@code c} must give equal configurations, and the same JSON again; returns
     * the configuration read back from JSON.
     */
    public static MultiLayerConfiguration assertJsonAndYamlRoundTrip(MultiLayerConfiguration c) {
        MultiLayerConfiguration fromJson = MultiLayerConfiguration.fromJson(c.toJson());
        MultiLayerConfiguration fromYaml = MultiLayerConfiguration.fromYaml(c.toYaml());
        assertEquals(c, fromJson);
        assertEquals(c, fromYaml);
        assertEquals(c.toJson(), fromJson.toJson());
        return fromJson;
    }

    /**
     * A network built from {@code conf} (FLOAT, input [2, 7, 4]) written by ModelSerializer to {@code file} and
     * restored must have the same configuration, parameters and outputs; returns the restored network.
     */
    public static MultiLayerNetwork assertModelSerializerRoundTrip(MultiLayerConfiguration conf, File file)
            throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = uniform(4, 1.0, 2, 7, 4).castTo(DataType.FLOAT);
        INDArray expected = net.output(x);

        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);

        assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        assertEquals(net.params(), restored.params());
        assertEquals(expected, restored.output(x));
        return restored;
    }
}
