package org.rnnlab.nn.cpu;

import org.rnnlab.nn.cpu.kernel.DirectArray;
import org.rnnlab.nn.cpu.kernel.PanelProduct;
import org.rnnlab.nn.cpu.kernel.RecurrentParallel;
import org.rnnlab.nn.cpu.kernel.ScratchArrays;
import org.rnnlab.nn.cpu.kernel.VectorFloatKernels;

/**
 * One forward or backward recurrence of {@link FusedLstmSteps} for float arrays when the JVM has the Vector API: the
 * layer's buffers are copied into Java arrays, the steps run there ({@link PanelProduct} for each step's product with
 * the recurrent weights, packed once per pass; {@link VectorFloatKernels} for the activations) and the results are
 * copied back. It computes what {@link FusedLstmSteps}' loops compute, with the same element-wise arithmetic; only
 * the per-step products add in another order than OpenBLAS.
 *
 * <p>Why Java arrays: the Vector API reads and writes them without the scope and bounds checks it pays on native
 * buffers in this JDK, which a profile of the native-memory loops showed; each copy is one pass over a buffer the
 * loops pass over once per step.
 *
 * <p>The pre-activations z and their gradients dz are held with every gate block of a row padded to whole panels,
 * [T, mb, 4, nPad], and the state gradients e as [T, mb, nPad], so that a panel never reaches into the next row or
 * gate; the other buffers keep the layer's layouts (see {@link FusedLstmSteps#forward} and
 * {@link FusedLstmSteps#backward}). The arrays come from {@link ScratchArrays}, reused from pass to pass.
 */
public final class LstmArrayPass {

    /**
     * Units per part below which a layer is not split by units. Lower than {@link RecurrentParallel}'s default:
     * with its weights packed once, a part's share of PTB small's product (100 of 200 units) is worth a thread;
     * PTB small, alternated runs: 3,570 / 3,915 / 3,645 words/s split against 3,528 / 3,606 / 3,546 not split.
     */
    static final int MIN_UNITS_PER_PART = 64;

    private final int nT;
    private final int mb;
    private final int n;
    private final int nPad;
    private final int slab;
    private final float[] mask;
    private final boolean[] partial;

    public LstmArrayPass(int nT, int mb, int n, DirectArray mask, boolean[] partial) {
        this.nT = nT;
        this.mb = mb;
        this.n = n;
        this.nPad = PanelProduct.padded(n);
        this.slab = mb * n;
        this.partial = partial;
        if (mask == null) {
            this.mask = null;
        } else {
            this.mask = new float[nT * mb];
            ((DirectArray.F32) mask).read(0, this.mask, 0, nT * mb);
        }
    }

    private boolean masked(int t, int i) {
        return partial[t] && mask[t * mb + i] == 0f;
    }

    /** See {@link FusedLstmSteps#forward}: the same arguments and results. */
    public void forward(DirectArray.F32 xw, DirectArray.Weights rw, DirectArray.F32 ga, DirectArray.F32 h, DirectArray.F32 c,
                 DirectArray.F32 tc, boolean hasInitialState) {
        final int zw = 4 * nPad;
        final float[] hs = ScratchArrays.floats(ScratchArrays.Slot.STATE, (nT + 1) * slab);
        h.read(0, hs, 0, slab);
        final float[] packed = nT > 1 || hasInitialState ? PanelProduct.pack(gateColumns(rw), n, zw) : null;
        final int panels = nPad / PanelProduct.WIDTH;

        RecurrentParallel.run(mb, n, PanelProduct.WIDTH, MIN_UNITS_PER_PART, (from, to, u0, u1, barrier) -> {
            // Every part has its own z, gate, cell and tanh buffers, written first (and so cached) by the thread
            // that works on them; they hold the part's rows and units only. Only h is shared: each step's product
            // needs all of h_{t-1}.
            final int w = u1 - u0;
            final float[] z = ScratchArrays.floats(ScratchArrays.Slot.Z, nT * mb * zw);
            final float[] cs = ScratchArrays.floats(ScratchArrays.Slot.CELL, (nT + 1) * slab);
            final float[] gs = ScratchArrays.floats(ScratchArrays.Slot.GATES, 4 * nT * slab);
            final float[] ts = ScratchArrays.floats(ScratchArrays.Slot.TANH, nT * slab);
            for (int t = 0; t < nT; t++) {
                for (int i = from; i < to; i++) {
                    int r = t * mb + i;
                    for (int q = 0; q < 4; q++) {
                        xw.read(r * 4 * n + q * n + u0, z, r * zw + q * nPad + u0, w);
                    }
                }
            }
            for (int i = from; i < to; i++) {
                c.read(i * n + u0, cs, i * n + u0, w);
            }
            int p0 = u0 / PanelProduct.WIDTH;
            int p1 = (u1 + PanelProduct.WIDTH - 1) / PanelProduct.WIDTH;
            for (int t = 0; t < nT; t++) {
                if (t > 0 || hasInitialState) {
                    for (int q = 0; q < 4; q++) {
                        PanelProduct.addProduct(hs, t * slab + from * n, n, to - from, packed, n, q * panels + p0,
                                q * panels + p1, z, (t * mb + from) * zw, zw);
                    }
                }
                forwardStep(z, gs, hs, cs, ts, t, from, to, u0, u1);
                if (barrier != null) {
                    barrier.await();
                }
            }
            for (int t = 0; t < nT; t++) {
                for (int i = from; i < to; i++) {
                    int s = t * slab + i * n + u0;
                    for (int q = 0; q < 4; q++) {
                        ga.write(q * nT * slab + s, gs, q * nT * slab + s, w);
                    }
                    h.write(s + slab, hs, s + slab, w);
                    c.write(s + slab, cs, s + slab, w);
                    tc.write(s, ts, s, w);
                }
            }
        });
    }

    private void forwardStep(float[] z, float[] gs, float[] hs, float[] cs, float[] ts, int t, int from, int to,
                             int u0, int u1) {
        final int zw = 4 * nPad;
        final int w = u1 - u0;
        final int gate = nT * slab;
        for (int i = from; i < to; i++) {
            int zr = (t * mb + i) * zw + u0;
            int s = t * slab + i * n + u0; // row i, unit u0 of step t in the [T, mb, n] and [4, T, mb, n] buffers
            VectorFloatKernels.tanh(z, zr, gs, s, w);
            VectorFloatKernels.sigmoid(z, zr + nPad, gs, gate + s, w);
            VectorFloatKernels.sigmoid(z, zr + 2 * nPad, gs, 2 * gate + s, w);
            VectorFloatKernels.sigmoid(z, zr + 3 * nPad, gs, 3 * gate + s, w);
            int next = s + slab;
            for (int j = 0; j < w; j++) {
                // In double, rounded once, as the native-memory loop computes it.
                cs[next + j] = (float) ((double) gs[gate + s + j] * cs[s + j]
                        + (double) gs[3 * gate + s + j] * gs[s + j]);
            }
            VectorFloatKernels.tanh(cs, next, ts, s, w);
            if (masked(t, i)) {
                System.arraycopy(cs, s, cs, next, w);
                System.arraycopy(hs, s, hs, next, w);
            } else {
                for (int j = 0; j < w; j++) {
                    hs[next + j] = gs[2 * gate + s + j] * ts[s + j];
                }
            }
        }
    }

    /** See {@link FusedLstmSteps#backward}: the same arguments and results. */
    public void backward(DirectArray.F32 ga, DirectArray.F32 c, DirectArray.F32 tc, DirectArray.F32 e, DirectArray.Weights rw,
                  DirectArray.F32 dz, int end) {
        final int zw = 4 * nPad;
        final int nR = nT - end;
        // Shared: dz_t is the next product's left operand, all of whose units every part needs.
        final float[] d = ScratchArrays.floats(ScratchArrays.Slot.GATE_GRADIENT, nR * mb * zw);
        if (nPad > n) {
            // The padding is the next products' k: it must hold zeros, not what an earlier pass left.
            for (int r = 0; r < nR * mb; r++) {
                for (int q = 0; q < 4; q++) {
                    java.util.Arrays.fill(d, r * zw + q * nPad + n, r * zw + (q + 1) * nPad, 0f);
                }
            }
        }
        final float[] packed = nR > 1 ? PanelProduct.pack(gateRows(rw), zw, n) : null;

        RecurrentParallel.run(mb, n, PanelProduct.WIDTH, MIN_UNITS_PER_PART, (from, to, u0, u1, barrier) -> {
            // The part's own copies of its rows and units, as in forward.
            final int w = u1 - u0;
            final float[] gs = ScratchArrays.floats(ScratchArrays.Slot.GATES, 4 * nT * slab);
            final float[] cs = ScratchArrays.floats(ScratchArrays.Slot.CELL, nT * slab);
            final float[] ts = ScratchArrays.floats(ScratchArrays.Slot.TANH, nT * slab);
            final float[] es = ScratchArrays.floats(ScratchArrays.Slot.STATE_GRADIENT, nT * mb * nPad);
            for (int t = end; t < nT; t++) {
                for (int i = from; i < to; i++) {
                    int s = t * slab + i * n + u0;
                    for (int q = 0; q < 4; q++) {
                        ga.read(q * nT * slab + s, gs, q * nT * slab + s, w);
                    }
                    c.read(s, cs, s, w);
                    tc.read(s, ts, s, w);
                }
            }
            for (int t = end; t < nT; t++) {
                for (int i = from; i < to; i++) {
                    e.read((t * mb + i) * n + u0, es, (t * mb + i) * nPad + u0, w);
                }
            }
            int p0 = u0 / PanelProduct.WIDTH;
            int p1 = (u1 + PanelProduct.WIDTH - 1) / PanelProduct.WIDTH;
            double[] carry = ScratchArrays.zeroDoubles(slab); // dL/dc_t through the forget gate of step t+1
            for (int t = nT - 1; t >= end; t--) {
                int row = (t - end) * mb * zw;
                backwardStep(gs, cs, ts, es, d, carry, t, end, row, from, to, u0, u1);
                if (barrier != null) {
                    barrier.await();
                }
                if (t > end) {
                    // dL/dh_{t-1} += dz_t · RWᵀ, for this part's rows and units
                    PanelProduct.addProduct(d, row + from * zw, zw, to - from, packed, zw, p0, p1, es,
                            ((t - 1) * mb + from) * nPad, nPad);
                }
            }
            for (int t = end; t < nT; t++) {
                for (int i = from; i < to; i++) {
                    e.write((t * mb + i) * n + u0, es, (t * mb + i) * nPad + u0, w);
                }
            }
            for (int r = 0; r < nR; r++) {
                for (int i = from; i < to; i++) {
                    int at = (r * mb + i) * zw + u0;
                    for (int q = 0; q < 4; q++) {
                        dz.write((r * mb + i) * 4 * n + q * n + u0, d, at + q * nPad, w);
                    }
                }
            }
        });
    }

    private void backwardStep(float[] gs, float[] cs, float[] ts, float[] es, float[] d, double[] carry, int t,
                              int end, int row, int from, int to, int u0, int u1) {
        final int zw = 4 * nPad;
        final int aOff = t * slab;
        final int fOff = (nT + t) * slab;
        final int oOff = (2 * nT + t) * slab;
        final int gOff = (3 * nT + t) * slab;
        for (int i = from; i < to; i++) {
            int eRow = (t * mb + i) * nPad;
            int z = row + i * zw;
            if (masked(t, i)) {
                // The state passed through unchanged: dz is 0 and its gradients go straight to step t-1.
                for (int q = 0; q < 4; q++) {
                    java.util.Arrays.fill(d, z + q * nPad + u0, z + q * nPad + u1, 0f);
                }
                if (t > end) {
                    for (int j = u0; j < u1; j++) {
                        es[eRow - mb * nPad + j] += es[eRow + j];
                    }
                }
                continue;
            }
            for (int j = u0; j < u1; j++) {
                int s = i * n + j;
                double a = gs[aOff + s];
                double f = gs[fOff + s];
                double o = gs[oOff + s];
                double g = gs[gOff + s];
                double tcv = ts[aOff + s];
                double dh = es[eRow + j];
                double dc = dh * o * (1.0 - tcv * tcv) + carry[s];
                d[z + j] = (float) (dc * g * (1.0 - a * a));
                d[z + nPad + j] = (float) (dc * cs[aOff + s] * f * (1.0 - f));
                d[z + 2 * nPad + j] = (float) (dh * tcv * o * (1.0 - o));
                d[z + 3 * nPad + j] = (float) (dc * a * g * (1.0 - g));
                carry[s] = dc * f;
            }
        }
    }

    /** RW [n, 4n] as a row-major [n, 4·nPad] matrix: each gate's columns padded with zeros to whole panels. */
    private float[] gateColumns(DirectArray.Weights rw) {
        float[] w = matrix(rw);
        float[] b = new float[n * 4 * nPad];
        for (int c = 0; c < 4 * n; c++) {
            int col = c / n * nPad + c % n;
            if (rw.rowMajor()) {
                for (int r = 0; r < n; r++) {
                    b[r * 4 * nPad + col] = w[r * 4 * n + c];
                }
            } else {
                for (int r = 0; r < n; r++) {
                    b[r * 4 * nPad + col] = w[c * n + r];
                }
            }
        }
        return b;
    }

    /** RWᵀ [4n, n] as a row-major [4·nPad, n] matrix: each gate's rows padded with zero rows to whole panels. */
    private float[] gateRows(DirectArray.Weights rw) {
        float[] w = matrix(rw);
        float[] b = new float[4 * nPad * n];
        for (int c = 0; c < 4 * n; c++) {
            int row = c / n * nPad + c % n;
            if (rw.rowMajor()) {
                for (int j = 0; j < n; j++) {
                    b[row * n + j] = w[j * 4 * n + c];
                }
            } else {
                System.arraycopy(w, c * n, b, row * n, n);
            }
        }
        return b;
    }

    /** The weight matrix's memory as a Java array, in its own layout. */
    private static float[] matrix(DirectArray.Weights rw) {
        float[] w = new float[rw.rows() * rw.cols()];
        ((DirectArray.F32) rw.data()).read(0, w, 0, w.length);
        return w;
    }
}
