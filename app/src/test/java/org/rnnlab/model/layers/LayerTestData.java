package org.rnnlab.model.layers;

import java.util.Random;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Deterministic double-precision inputs and labels shared by the recurrent-layer tests. */
final class LayerTestData {

    private LayerTestData() {
    }

    /** Uniform random values in [-scale, scale], reproducible from the seed. */
    static INDArray uniform(long seed, double scale, long... shape) {
        Random rnd = new Random(seed);
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        long len = a.length();
        for (long i = 0; i < len; i++) {
            a.putScalar(i, (2 * rnd.nextDouble() - 1) * scale);
        }
        return a;
    }

    /** One-hot labels [mb, nClasses, T] (NCW). */
    static INDArray oneHotNcw(long seed, int mb, int nClasses, int t) {
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
    static INDArray oneHot2d(long seed, int mb, int nClasses) {
        Random rnd = new Random(seed);
        INDArray l = Nd4j.zeros(DataType.DOUBLE, mb, nClasses);
        for (int i = 0; i < mb; i++) {
            l.putScalar(i, rnd.nextInt(nClasses), 1.0);
        }
        return l;
    }
}
