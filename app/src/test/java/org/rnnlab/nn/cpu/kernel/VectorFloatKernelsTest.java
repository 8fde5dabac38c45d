package org.rnnlab.nn.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernels: accuracy against java.lang.Math, and bit-identical results for every position in a buffer
 * (full vectors and the remainder) and on every call, before and after the JIT compiles them.
 */
class VectorFloatKernelsTest {

    @Test
    void expIsWithinTwoFloatUlps() {
        double worst = 0;
        for (float x = -87f; x <= 88f; x += 0.0013f) {
            double want = Math.exp(x);
            worst = Math.max(worst, Math.abs(VectorFloatKernels.exp(x) - want) / Math.ulp((float) want));
        }
        assertTrue(worst <= 2.0, "worst error " + worst + " ulp");
        assertEquals(1f, VectorFloatKernels.exp(0f));
        assertEquals(0f, VectorFloatKernels.sigmoid(-1000f), 1e-38);
        assertEquals(1f, VectorFloatKernels.sigmoid(1000f));
        assertEquals(0f, VectorFloatKernels.tanh(0f));
        assertEquals(-1f, VectorFloatKernels.tanh(-50f));
    }

    @Test
    void activationsAreAccurateAndTheSameForEveryPositionAndCall() {
        int n = 1003; // not a multiple of any vector width
        ByteBuffer src = buffer(n);
        ByteBuffer dst = buffer(n);
        Random rnd = new Random(5);
        for (int i = 0; i < n; i++) {
            src.putFloat(4 * i, (float) (rnd.nextGaussian() * 6));
        }
        float[] first = null;
        // Enough calls for C2 to compile the loops; every call must give the same bits as the first (interpreted).
        for (int rep = 0; rep < 3000; rep++) {
            VectorFloatKernels.tanh(src, 0, dst, 0, n);
            float[] got = floats(dst, n);
            if (first == null) {
                first = got;
                for (int i = 0; i < n; i++) {
                    float x = src.getFloat(4 * i);
                    assertEquals(VectorFloatKernels.tanh(x), got[i], "lane and scalar formula agree at " + i);
                    assertEquals(Math.tanh(x), got[i], 2e-7, "tanh " + x);
                }
            } else {
                assertEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(got), "call " + rep);
            }
        }
    }

    @Test
    void arrayActivationsGiveTheBitsOfTheNativeMemoryOnesAndTheScalarFormula() {
        int n = 1003;
        float[] src = new float[n + 5];
        Random rnd = new Random(6);
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) (rnd.nextGaussian() * 6);
        }
        ByteBuffer native0 = buffer(n);
        for (int i = 0; i < n; i++) {
            native0.putFloat(4 * i, src[i + 5]);
        }
        ByteBuffer nativeTanh = buffer(n);
        VectorFloatKernels.tanh(native0, 0, nativeTanh, 0, n);
        float[] tanh = new float[n + 2];
        float[] sigmoid = new float[n + 2];
        // Offsets on both sides: the lanes must not depend on where a run starts.
        VectorFloatKernels.tanh(src, 5, tanh, 2, n);
        VectorFloatKernels.sigmoid(src, 5, sigmoid, 2, n);
        for (int i = 0; i < n; i++) {
            float x = src[i + 5];
            assertEquals(nativeTanh.getFloat(4 * i), tanh[i + 2], "tanh on arrays and on native memory at " + i);
            assertEquals(VectorFloatKernels.tanh(x), tanh[i + 2], "tanh lane and scalar formula at " + i);
            assertEquals(VectorFloatKernels.sigmoid(x), sigmoid[i + 2], "sigmoid lane and scalar formula at " + i);
            assertEquals(1 / (1 + Math.exp(-x)), sigmoid[i + 2], 2e-7, "sigmoid " + x);
        }
        assertEquals(0f, tanh[0]);
        assertEquals(0f, sigmoid[1]);
    }

    @Test
    void softmaxRowsWithBiasMatchTheDefinition() {
        int rows = 3;
        int cols = 37;
        ByteBuffer m = buffer(rows * cols);
        ByteBuffer bias = buffer(cols);
        Random rnd = new Random(9);
        double[][] want = new double[rows][cols];
        for (int j = 0; j < cols; j++) {
            bias.putFloat(4 * j, (float) rnd.nextGaussian());
        }
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                float x = (float) (rnd.nextGaussian() * 10);
                m.putFloat(4 * (r * cols + j), x);
                want[r][j] = Math.exp(x + bias.getFloat(4 * j));
                sum += want[r][j];
            }
            for (int j = 0; j < cols; j++) {
                want[r][j] /= sum;
            }
        }
        VectorFloatKernels.biasSoftmaxRows(m, cols, bias, 1, 3); // rows 1 and 2 only
        for (int r = 1; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                assertEquals(want[r][j], m.getFloat(4 * (r * cols + j)), 1e-6 * Math.max(want[r][j], 1e-3),
                        "row " + r + " column " + j);
            }
        }
    }

    private static ByteBuffer buffer(int floats) {
        return ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder());
    }

    private static float[] floats(ByteBuffer b, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = b.getFloat(4 * i);
        }
        return out;
    }
}
