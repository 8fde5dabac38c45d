package org.rnnlab.nn.params;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Orthogonal initialisation: the fewer of rows and columns are orthonormal, in either fill order. */
class OrthogonalInitTest {

    @ParameterizedTest(name = "{0} x {1}, order {2}")
    @CsvSource({"8, 8, f", "8, 8, c", "6, 18, f", "6, 24, c", "20, 5, f", "20, 5, c"})
    void theSmallerSideIsOrthonormal(int rows, int cols, char order) {
        Nd4j.getRandom().setSeed(42);
        INDArray flat = Nd4j.create(DataType.DOUBLE, 1, (long) rows * cols);
        INDArray w = new OrthogonalInit().init(rows, cols, new long[] {rows, cols}, order, flat);
        assertEquals(rows, w.size(0));
        assertEquals(cols, w.size(1));
        // The flat view, read in the caller's order, is the same matrix the call returned.
        assertEquals(w, flat.reshape(order, rows, cols));
        INDArray gram = rows <= cols ? w.mmul(w.transpose()) : w.transpose().mmul(w);
        INDArray eye = Nd4j.eye(Math.min(rows, cols)).castTo(DataType.DOUBLE);
        double maxError = gram.sub(eye).amaxNumber().doubleValue();
        assertTrue(maxError < 1e-10, "W·Wᵀ (or Wᵀ·W) differs from I by " + maxError);
    }

    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"1", "2"})
    void differentSeedsGiveDifferentMatrices(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray a = new OrthogonalInit().init(4, 4, new long[] {4, 4}, 'f', Nd4j.create(DataType.DOUBLE, 1, 16));
        Nd4j.getRandom().setSeed(seed + 100);
        INDArray b = new OrthogonalInit().init(4, 4, new long[] {4, 4}, 'f', Nd4j.create(DataType.DOUBLE, 1, 16));
        assertTrue(a.sub(b).amaxNumber().doubleValue() > 1e-3, "an initialiser that ignores the random stream");
    }
}
