package org.rnnlab.nn.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-time-step products of the recurrent loops, {@code C[rows, panels] += A[rows, k] · B[k, panels]}, on Java
 * arrays with the Vector API, with B (a recurrent weight matrix) packed once per layer pass into column panels of
 * {@link #WIDTH}.
 *
 * <p>Why: a step's product is small (PTB small: [20, 200]·[200, 800]), and {@code cblas_sgemm} repacks all of B on
 * every call (640 KB here) and, with two threads, leaves the calling thread waiting for its helper; a wall profile of
 * PTB small put those per-step products, with the activations around them, at 27% of a training step, at about
 * 12 GFLOP/s. Packed once, a panel [k, WIDTH] stays in the first-level cache while every block of rows passes over it.
 *
 * <p>Each element of C is {@code c + a₀b₀ + a₁b₁ + …} accumulated with fused multiply-adds in the order of k,
 * whatever the vector width, the block of rows it falls in or the thread that computes it, so results do not depend
 * on the machine's vectors or on how a loop is split. Callers load this class only if {@link DirectArray#vectorUsable()}.
 */
public final class PanelProduct {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Columns per panel: two of the machine's float vectors (16 with AVX2). */
    public static final int WIDTH = 2 * L;
    private static final int ROWS = 4;

    private PanelProduct() {
    }

    /** {@code cols} rounded up to whole panels. */
    public static int padded(int cols) {
        return (cols + WIDTH - 1) / WIDTH * WIDTH;
    }

    /**
     * A row-major B [k, cols] packed as panels: panel p is the [k, {@link #WIDTH}] block of columns p·WIDTH …
     * p·WIDTH+WIDTH−1, row by row; columns at or past {@code cols} are zero.
     */
    public static float[] pack(float[] b, int k, int cols) {
        int panels = padded(cols) / WIDTH;
        float[] packed = new float[panels * k * WIDTH];
        for (int p = 0; p < panels; p++) {
            int width = Math.min(WIDTH, cols - p * WIDTH);
            for (int r = 0; r < k; r++) {
                System.arraycopy(b, r * cols + p * WIDTH, packed, (p * k + r) * WIDTH, width);
            }
        }
        return packed;
    }

    /**
     * {@code c[cOff + r·ldc + p·WIDTH + j] += Σ_i a[aOff + r·lda + i] · B[i, p·WIDTH + j]} for rows r in [0, rows), panels
     * p in [p0, p1) of {@code packed} (from {@link #pack} with this {@code k}) and j in [0, WIDTH).
     */
    public static void addProduct(float[] a, int aOff, int lda, int rows, float[] packed, int k, int p0, int p1, float[] c,
                           int cOff, int ldc) {
        int blocked = rows - rows % ROWS;
        for (int p = p0; p < p1; p++) {
            int b = p * k * WIDTH;
            int col = cOff + p * WIDTH;
            for (int r = 0; r < blocked; r += ROWS) {
                fourRows(a, aOff + r * lda, lda, packed, b, k, c, col + r * ldc, ldc);
            }
            for (int r = blocked; r < rows; r++) {
                oneRow(a, aOff + r * lda, packed, b, k, c, col + r * ldc);
            }
        }
    }

    private static void fourRows(float[] a, int a0, int lda, float[] b, int bOff, int k, float[] c, int c0, int ldc) {
        int a1 = a0 + lda;
        int a2 = a1 + lda;
        int a3 = a2 + lda;
        int c1 = c0 + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        FloatVector s00 = FloatVector.fromArray(S, c, c0);
        FloatVector s01 = FloatVector.fromArray(S, c, c0 + L);
        FloatVector s10 = FloatVector.fromArray(S, c, c1);
        FloatVector s11 = FloatVector.fromArray(S, c, c1 + L);
        FloatVector s20 = FloatVector.fromArray(S, c, c2);
        FloatVector s21 = FloatVector.fromArray(S, c, c2 + L);
        FloatVector s30 = FloatVector.fromArray(S, c, c3);
        FloatVector s31 = FloatVector.fromArray(S, c, c3 + L);
        for (int i = 0, q = bOff; i < k; i++, q += WIDTH) {
            FloatVector b0 = FloatVector.fromArray(S, b, q);
            FloatVector b1 = FloatVector.fromArray(S, b, q + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            s00 = x.fma(b0, s00);
            s01 = x.fma(b1, s01);
            x = FloatVector.broadcast(S, a[a1 + i]);
            s10 = x.fma(b0, s10);
            s11 = x.fma(b1, s11);
            x = FloatVector.broadcast(S, a[a2 + i]);
            s20 = x.fma(b0, s20);
            s21 = x.fma(b1, s21);
            x = FloatVector.broadcast(S, a[a3 + i]);
            s30 = x.fma(b0, s30);
            s31 = x.fma(b1, s31);
        }
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + L);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + L);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + L);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + L);
    }

    private static void oneRow(float[] a, int a0, float[] b, int bOff, int k, float[] c, int c0) {
        FloatVector s0 = FloatVector.fromArray(S, c, c0);
        FloatVector s1 = FloatVector.fromArray(S, c, c0 + L);
        for (int i = 0, q = bOff; i < k; i++, q += WIDTH) {
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            s0 = x.fma(FloatVector.fromArray(S, b, q), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, q + L), s1);
        }
        s0.intoArray(c, c0);
        s1.intoArray(c, c0 + L);
    }
}
