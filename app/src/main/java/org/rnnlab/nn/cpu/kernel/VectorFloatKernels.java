package org.rnnlab.nn.cpu.kernel;


import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float element-wise kernels on the Vector API ({@code jdk.incubator.vector}): the activations of the recurrent
 * layers' per-step loops and the softmax of {@code SparseSoftmaxOutputLayer}, on native memory given as byte
 * buffers (element i at byte 4·i) or on Java arrays.
 *
 * <p>Why: ND4J's softmax over [400, 10000] took 27 ms of a 240 ms PTB step, and the scalar activations of the
 * recurrent loops ~14 ns per element. Callers load this class only if {@link DirectArray#vectorUsable()} (the JVM was
 * started with {@code --add-modules jdk.incubator.vector}, as {@code scripts/rnnlab} does for training and
 * evaluation) and keep a scalar path.
 *
 * <h2>Reproducibility</h2>
 * The Vector API's own EXP and TANH are not used: HotSpot computes them with SVML once compiled and with
 * {@code Math} before that, which differ in the last bit, so a run's results would depend on JIT timing. Here e^x is
 * the Cephes single-precision algorithm (range reduction by ln 2 in two parts, a degree-5 polynomial; about 1 ulp)
 * written with IEEE additions, multiplications and exact conversions only, and every reduction sums its lanes in a
 * fixed order. {@link #exp(float)} is the same computation on one value, used for the elements past the last full
 * vector, so results do not depend on the vector width either.
 */
public final class VectorFloatKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private static final float EXP_HI = 88.3762626647949f;
    // Below this 2^k of the range reduction would leave the normal range (k ≥ −126); e^−87 ≈ 1.6e−38.
    private static final float EXP_LO = -87.0f;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    // Adding and subtracting 1.5·2^23 rounds a float of magnitude below 2^22 to the nearest integer.
    private static final float ROUND = 12582912f;
    private static final float BIAS_SHIFT = 8388735f; // 2^23 + 127
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private VectorFloatKernels() {
    }

    /** e^x for one float, the computation of {@link #exp(FloatVector)} lane by lane. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float k = (x * LOG2E + ROUND) - ROUND;
        float r = x - k * LN2_HI;
        r = r - k * LN2_LO;
        float z = r * r;
        float y = P0;
        y = y * r + P1;
        y = y * r + P2;
        y = y * r + P3;
        y = y * r + P4;
        y = y * r + P5;
        y = y * z + r + 1f;
        return y * Float.intBitsToFloat(Float.floatToRawIntBits(k + BIAS_SHIFT) << 23);
    }

    public static FloatVector exp(FloatVector v) {
        FloatVector x = v.max(EXP_LO).min(EXP_HI);
        FloatVector k = x.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = x.sub(k.mul(LN2_HI));
        r = r.sub(k.mul(LN2_LO));
        FloatVector z = r.mul(r);
        FloatVector y = r.mul(P0).add(P1);
        y = y.mul(r).add(P2);
        y = y.mul(r).add(P3);
        y = y.mul(r).add(P4);
        y = y.mul(r).add(P5);
        y = y.mul(z).add(r).add(1f);
        // k + 2^23 + 127 is an integer-valued float in [2^23, 2^24): its low mantissa bits are k + 127, which the
        // shift moves into the exponent field (the float's own exponent bits shift out): 2^k, without a conversion.
        IntVector bits = k.add(BIAS_SHIFT).reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
        return y.mul(bits.reinterpretAsFloats());
    }

    public static float sigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    /** tanh as 1 − 2/(e^2x + 1): absolute error about a float ulp of 1, exact 0 at 0. */
    public static float tanh(float x) {
        return 1f - 2f / (exp(2f * x) + 1f);
    }

    /** dst[d, d+len) = tanh(src[s, s+len)). */
    public static void tanh(ByteBuffer src, int s, ByteBuffer dst, int d, int len) {
        int i = 0;
        for (int up = S.loopBound(len); i < up; i += S.length()) {
            FloatVector v = FloatVector.fromByteBuffer(S, src, (s + i) * 4, ORDER);
            FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(exp(v.mul(2f)).add(1f)))
                    .intoByteBuffer(dst, (d + i) * 4, ORDER);
        }
        for (; i < len; i++) {
            dst.putFloat((d + i) * 4, tanh(src.getFloat((s + i) * 4)));
        }
    }

    /** dst[d, d+len) = 1 / (1 + e^−src[s, s+len)), on Java arrays. */
    public static void sigmoid(float[] src, int s, float[] dst, int d, int len) {
        int i = 0;
        for (int up = S.loopBound(len); i < up; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, src, s + i);
            FloatVector.broadcast(S, 1f).div(exp(v.neg()).add(1f)).intoArray(dst, d + i);
        }
        for (; i < len; i++) {
            dst[d + i] = sigmoid(src[s + i]);
        }
    }

    /** dst[d, d+len) = tanh(src[s, s+len)), on Java arrays: the same values as on native memory. */
    public static void tanh(float[] src, int s, float[] dst, int d, int len) {
        int i = 0;
        for (int up = S.loopBound(len); i < up; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, src, s + i);
            FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(exp(v.mul(2f)).add(1f)))
                    .intoArray(dst, d + i);
        }
        for (; i < len; i++) {
            dst[d + i] = tanh(src[s + i]);
        }
    }

    /**
     * In place, for rows [from, to) of a row-major [rows, cols] matrix: adds the bias row ({@code bias} may be null)
     * and replaces each row by its softmax, shifted by the row maximum like ND4J's.
     */
    public static void biasSoftmaxRows(ByteBuffer m, int cols, ByteBuffer bias, int from, int to) {
        int up = S.loopBound(cols);
        float[] lanes = new float[S.length()];
        for (int r = from; r < to; r++) {
            int base = r * cols;
            FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            float max = Float.NEGATIVE_INFINITY;
            int i = 0;
            for (; i < up; i += S.length()) {
                FloatVector v = FloatVector.fromByteBuffer(S, m, (base + i) * 4, ORDER);
                if (bias != null) {
                    v = v.add(FloatVector.fromByteBuffer(S, bias, i * 4, ORDER));
                    v.intoByteBuffer(m, (base + i) * 4, ORDER);
                }
                vmax = vmax.max(v);
            }
            for (; i < cols; i++) {
                float x = m.getFloat((base + i) * 4) + (bias == null ? 0f : bias.getFloat(i * 4));
                m.putFloat((base + i) * 4, x);
                max = Math.max(max, x);
            }
            max = Math.max(max, vmax.reduceLanes(VectorOperators.MAX));

            FloatVector vsum = FloatVector.zero(S);
            i = 0;
            for (; i < up; i += S.length()) {
                FloatVector e = exp(FloatVector.fromByteBuffer(S, m, (base + i) * 4, ORDER).sub(max));
                e.intoByteBuffer(m, (base + i) * 4, ORDER);
                vsum = vsum.add(e);
            }
            // Lanes summed in a fixed order (reduceLanes(ADD) may use any order).
            vsum.intoArray(lanes, 0);
            float sum = 0f;
            for (float lane : lanes) {
                sum += lane;
            }
            for (; i < cols; i++) {
                float e = exp(m.getFloat((base + i) * 4) - max);
                m.putFloat((base + i) * 4, e);
                sum += e;
            }
            float scale = 1f / sum;

            i = 0;
            for (; i < up; i += S.length()) {
                FloatVector.fromByteBuffer(S, m, (base + i) * 4, ORDER).mul(scale)
                        .intoByteBuffer(m, (base + i) * 4, ORDER);
            }
            for (; i < cols; i++) {
                m.putFloat((base + i) * 4, m.getFloat((base + i) * 4) * scale);
            }
        }
    }

    /** dst[d, d+len) = src[s, s+len) ⊙ factors[f, f+len) (src and dst may be the same memory). */
    public static void multiply(ByteBuffer src, int s, float[] factors, int f, ByteBuffer dst, int d, int len) {
        int i = 0;
        for (int up = S.loopBound(len); i < up; i += S.length()) {
            FloatVector.fromByteBuffer(S, src, (s + i) * 4, ORDER).mul(FloatVector.fromArray(S, factors, f + i))
                    .intoByteBuffer(dst, (d + i) * 4, ORDER);
        }
        for (; i < len; i++) {
            dst.putFloat((d + i) * 4, src.getFloat((s + i) * 4) * factors[f + i]);
        }
    }

    /** dst[d, d+len) = src[s, s+len) · factor (src and dst may be the same memory). */
    public static void scale(ByteBuffer src, int s, float factor, ByteBuffer dst, int d, int len) {
        int i = 0;
        for (int up = S.loopBound(len); i < up; i += S.length()) {
            FloatVector.fromByteBuffer(S, src, (s + i) * 4, ORDER).mul(factor).intoByteBuffer(dst, (d + i) * 4, ORDER);
        }
        for (; i < len; i++) {
            dst.putFloat((d + i) * 4, src.getFloat((s + i) * 4) * factor);
        }
    }
}
