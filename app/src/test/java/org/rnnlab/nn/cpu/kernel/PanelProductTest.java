package org.rnnlab.nn.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PanelProductTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 4, 5, 8, 9, 20})
    void eachElementIsTheFusedMultiplyAddChainInTheOrderOfK(int rows) {
        Random rnd = new Random(rows);
        int k = 37;
        int cols = 2 * PanelProduct.WIDTH + 5; // a partial last panel
        int lda = k + 3;
        int ldc = PanelProduct.padded(cols) + PanelProduct.WIDTH;
        float[] a = random(rnd, 2 + rows * lda);
        float[] b = random(rnd, k * cols);
        float[] c = random(rnd, 1 + rows * ldc);
        float[] before = c.clone();

        float[] packed = PanelProduct.pack(b, k, cols);
        // Panels 1 and 2 only: the columns of panel 0 and those past the last panel keep their values.
        PanelProduct.addProduct(a, 2, lda, rows, packed, k, 1, 3, c, 1, ldc);

        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < ldc; j++) {
                int at = 1 + r * ldc + j;
                float expected = before[at];
                if (j >= PanelProduct.WIDTH && j < 3 * PanelProduct.WIDTH) {
                    for (int i = 0; i < k; i++) {
                        float bij = j < cols ? b[i * cols + j] : 0f;
                        expected = Math.fma(a[2 + r * lda + i], bij, expected);
                    }
                }
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(c[at]),
                        "row " + r + " column " + j + ": " + expected + " vs " + c[at]);
            }
        }
        assertEquals(before[0], c[0], "element before the matrix");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 16, 17, 40})
    void packingPadsTheLastPanelWithZeros(int cols) {
        Random rnd = new Random(cols);
        int k = 3;
        float[] b = random(rnd, k * cols);
        float[] packed = PanelProduct.pack(b, k, cols);
        int w = PanelProduct.WIDTH;
        assertEquals(PanelProduct.padded(cols) * k, packed.length);
        for (int p = 0; p < PanelProduct.padded(cols) / w; p++) {
            for (int r = 0; r < k; r++) {
                for (int j = 0; j < w; j++) {
                    int col = p * w + j;
                    assertEquals(col < cols ? b[r * cols + col] : 0f, packed[(p * k + r) * w + j]);
                }
            }
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
