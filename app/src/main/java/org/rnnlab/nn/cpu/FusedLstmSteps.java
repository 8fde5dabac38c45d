package org.rnnlab.nn.cpu;

import org.rnnlab.nn.cpu.kernel.DirectArray;
import org.rnnlab.nn.cpu.kernel.PanelProduct;
import org.rnnlab.nn.cpu.kernel.RecurrentParallel;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link LstmLoops} of {@code FusedLstmLayer} for its default activations (sigmoid gates, tanh), run as plain
 * Java loops over the cells plus one direct {@code cblas_?gemm} per step, on the layer's own row-major buffers.
 *
 * <p>Why: the loops otherwise cost about 13 ND4J op calls and 6 views per step forward and 5 ops and 8 views
 * backward, each 16–75 µs of dispatch for a few thousand cells of arithmetic (see {@link DirectArray}). The
 * buffers and their layouts are exactly those of the ND4J path in {@code FusedLstmLayer}, which remains the path
 * for other activations, other data types and non-CPU backends; its class comment has the equations.
 *
 * <p>Float arrays, when the JVM has the Vector API, take {@link LstmArrayPass}: the same loops on Java arrays, with
 * each step's product by {@link PanelProduct} instead of {@code cblas_sgemm}. The loops below remain for double
 * arrays and JVMs without the module. Large batches are split over threads by example ({@link RecurrentParallel}).
 * Derivatives are recomputed in the backward loop from the stored gates (σ' = s(1 − s), tanh' = 1 − t²): a few
 * multiplications per cell, cheaper than storing them.
 */
final class FusedLstmSteps {

    private static final double LOG2_E = 1.4426950408889634;
    private static final double LN_2 = 0.6931471805599453;
    private static final double HALF_LN_2 = LN_2 / 2;

    /** These loops behind their interface. */
    static final LstmLoops LOOPS = new LstmLoops() {
        @Override
        public void forward(INDArray xw, INDArray rw, INDArray ga, INDArray h, INDArray c, INDArray tc, INDArray mask,
                            boolean[] partial, boolean hasInitialState, int nT, int mb, int n) {
            FusedLstmSteps.forward(xw, rw, ga, h, c, tc, mask, partial, hasInitialState, nT, mb, n);
        }

        @Override
        public void backward(INDArray ga, INDArray c, INDArray tc, INDArray e, INDArray mask, boolean[] partial,
                             INDArray rw, INDArray dz, int nT, int end, int mb, int n) {
            FusedLstmSteps.backward(ga, c, tc, e, mask, partial, rw, dz, nT, end, mb, n);
        }

        @Override
        public boolean usesAllThreads(int miniBatch, int n) {
            return RecurrentParallel.parts(miniBatch, n) > 1;
        }
    };

    private FusedLstmSteps() {
    }

    /** True if the direct loops apply: CPU backend, FLOAT or DOUBLE, sigmoid gates and tanh activation. */
    static boolean applies(IActivation gateFn, IActivation actFn, DataType dt) {
        return gateFn instanceof ActivationSigmoid && actFn instanceof ActivationTanH && DirectArray.usable(dt);
    }

    /**
     * The forward recurrence, steps 0..T−1. On entry {@code xw} [T, mb, 4n] holds the input projections plus biases,
     * {@code h[0]} and {@code c[0]} the initial state; on return {@code ga} [4, T, mb, n] holds the gates a, f, o,
     * g, {@code h}/{@code c} [T+1, mb, n] the states and {@code tc} [T, mb, n] tanh of the new cell states, and
     * {@code xw} is undefined: only the layer's ND4J loops read pre-activations back, and their backward pass never
     * follows this forward pass. Examples with mask 0 at a step keep their state.
     */
    static void forward(INDArray xwArr, INDArray rwArr, INDArray gaArr, INDArray hArr, INDArray cArr, INDArray tcArr,
                        INDArray maskArr, boolean[] partial, boolean hasInitialState, int nT, int mb, int n) {
        // Wrapped once, on this thread: Weights.of may copy through ND4J, which the parts must not call.
        DirectArray xw = DirectArray.of(xwArr);
        DirectArray.Weights rw = DirectArray.Weights.of(rwArr);
        DirectArray ga = DirectArray.of(gaArr);
        DirectArray h = DirectArray.of(hArr);
        DirectArray c = DirectArray.of(cArr);
        DirectArray tc = DirectArray.of(tcArr);
        DirectArray mask = maskArr == null ? null : DirectArray.of(maskArr);
        if (xw instanceof DirectArray.F32 && DirectArray.vectorUsable()) {
            new LstmArrayPass(nT, mb, n, mask, partial).forward((DirectArray.F32) xw, rw, (DirectArray.F32) ga,
                    (DirectArray.F32) h, (DirectArray.F32) c, (DirectArray.F32) tc, hasInitialState);
            return;
        }
        RecurrentParallel.run(mb, n, (from, to, u0, u1, barrier) -> forward(xw, rw, ga, h, c, tc, mask, partial,
                hasInitialState, nT, mb, n, from, to, u0, u1, barrier));
    }

    /**
     * {@link #forward} for examples [from, to) and units [u0, u1): rows of a batch never interact; a part that has
     * only some of the units meets the others at {@code barrier} after each step, as the next step's product needs
     * all of h_t.
     */
    private static void forward(DirectArray xw, DirectArray.Weights rw, DirectArray ga, DirectArray h, DirectArray c,
                                DirectArray tc, DirectArray mask, boolean[] partial, boolean hasInitialState, int nT,
                                int mb, int n, int from, int to, int u0, int u1, RecurrentParallel.Barrier barrier) {
        final boolean single = xw instanceof DirectArray.F32;
        final int slab = mb * n;
        final int n4 = 4 * n;
        for (int t = 0; t < nT; t++) {
            int zStep = t * mb * n4;
            if (t > 0 || hasInitialState) {
                // z_t += h_{t-1} · RW, for this part's rows, or for this part's units of each gate block
                if (u0 == 0 && u1 == n) {
                    xw.addProduct(to - from, h, t * slab + from * n, n, rw, zStep + from * n4, n4);
                } else {
                    for (int q = 0; q < 4; q++) {
                        xw.addProductColumns(to - from, h, t * slab + from * n, n, rw, q * n + u0, u1 - u0,
                                zStep + from * n4 + q * n + u0, n4);
                    }
                }
            }
            scalarStep(xw, ga, h, c, tc, mask, partial[t], single, t, mb, n, nT, from, to, u0, u1);
            if (barrier != null) {
                barrier.await();
            }
        }
    }

    /** The element-wise part of forward step t for examples [from, to) and units [u0, u1), in double. */
    private static void scalarStep(DirectArray xw, DirectArray ga, DirectArray h, DirectArray c, DirectArray tc,
                                   DirectArray mask, boolean partial, boolean single, int t, int mb, int n, int nT,
                                   int from, int to, int u0, int u1) {
        final int slab = mb * n;
        final int n4 = 4 * n;
        final int zStep = t * mb * n4;
        final int aOff = t * slab;
        final int fOff = (nT + t) * slab;
        final int oOff = (2 * nT + t) * slab;
        final int gOff = (3 * nT + t) * slab;
        final int prev = t * slab;
        final int next = (t + 1) * slab;
        for (int i = from; i < to; i++) {
            boolean keep = partial && mask.get(t * mb + i) == 0.0;
            int z = zStep + i * n4;
            for (int j = u0; j < u1; j++) {
                int s = i * n + j;
                double a = tanh(xw.get(z + j), single);
                double f = sigmoid(xw.get(z + n + j), single);
                double o = sigmoid(xw.get(z + 2 * n + j), single);
                double g = sigmoid(xw.get(z + 3 * n + j), single);
                ga.set(aOff + s, a);
                ga.set(fOff + s, f);
                ga.set(oOff + s, o);
                ga.set(gOff + s, g);
                double cPrev = c.get(prev + s);
                double cNew = f * cPrev + g * a;
                double tcNew = tanh(cNew, single);
                tc.set(aOff + s, tcNew);
                if (keep) {
                    c.set(next + s, cPrev);
                    h.set(next + s, h.get(prev + s));
                } else {
                    c.set(next + s, cNew);
                    h.set(next + s, o * tcNew);
                }
            }
        }
    }

    /**
     * The backward recurrence over steps T−1 down to {@code end}. {@code e} [T, mb, n] holds dL/dh_t from the
     * output on entry and receives the gradient flowing to earlier steps; {@code dz} [T−end, mb, 4n] receives dL/dz_t
     * in the column order of W and RW. A step's masked examples get no gradient there and pass the gradients of their
     * carried state on to the previous step.
     */
    static void backward(INDArray gaArr, INDArray cArr, INDArray tcArr, INDArray eArr, INDArray maskArr,
                         boolean[] partial, INDArray rwArr, INDArray dzArr, int nT, int end, int mb, int n) {
        DirectArray ga = DirectArray.of(gaArr);
        DirectArray c = DirectArray.of(cArr);
        DirectArray tc = DirectArray.of(tcArr);
        DirectArray e = DirectArray.of(eArr);
        DirectArray.Weights rw = DirectArray.Weights.of(rwArr);
        DirectArray dz = DirectArray.of(dzArr);
        DirectArray mask = maskArr == null ? null : DirectArray.of(maskArr);
        if (dz instanceof DirectArray.F32 && DirectArray.vectorUsable()) {
            new LstmArrayPass(nT, mb, n, mask, partial).backward((DirectArray.F32) ga, (DirectArray.F32) c,
                    (DirectArray.F32) tc, (DirectArray.F32) e, rw, (DirectArray.F32) dz, end);
            return;
        }
        RecurrentParallel.run(mb, n, (from, to, u0, u1, barrier) -> backward(ga, c, tc, e, mask, partial, rw, dz, nT,
                end, mb, n, from, to, u0, u1, barrier));
    }

    /**
     * {@link #backward} for examples [from, to) and units [u0, u1). A part with only some of the units computes
     * dz_t for them, waits at {@code barrier} until all of dz_t is there, then its units' share of dz_t · RWᵀ.
     */
    private static void backward(DirectArray ga, DirectArray c, DirectArray tc, DirectArray e, DirectArray mask,
                                 boolean[] partial, DirectArray.Weights rw, DirectArray dz, int nT, int end, int mb,
                                 int n, int from, int to, int u0, int u1, RecurrentParallel.Barrier barrier) {
        final int slab = mb * n;
        final int n4 = 4 * n;
        double[] carry = new double[slab]; // dL/dc_t through the forget gate of step t+1
        for (int t = nT - 1; t >= end; t--) {
            int aOff = t * slab;
            int fOff = (nT + t) * slab;
            int oOff = (2 * nT + t) * slab;
            int gOff = (3 * nT + t) * slab;
            int row = (t - end) * mb * n4;
            boolean hasPrev = t > end;
            for (int i = from; i < to; i++) {
                boolean masked = partial[t] && mask.get(t * mb + i) == 0.0;
                int z = row + i * n4;
                for (int j = u0; j < u1; j++) {
                    int s = i * n + j;
                    if (masked) {
                        // The state passed through unchanged: its gradients go straight to step t-1.
                        dz.set(z + j, 0.0);
                        dz.set(z + n + j, 0.0);
                        dz.set(z + 2 * n + j, 0.0);
                        dz.set(z + 3 * n + j, 0.0);
                        if (hasPrev) {
                            e.add((t - 1) * slab + s, e.get(aOff + s));
                        }
                        continue;
                    }
                    double a = ga.get(aOff + s);
                    double f = ga.get(fOff + s);
                    double o = ga.get(oOff + s);
                    double g = ga.get(gOff + s);
                    double tcv = tc.get(aOff + s);
                    double dh = e.get(aOff + s);
                    double dc = dh * o * (1.0 - tcv * tcv) + carry[s];
                    dz.set(z + j, dc * g * (1.0 - a * a));
                    dz.set(z + n + j, dc * c.get(aOff + s) * f * (1.0 - f));
                    dz.set(z + 2 * n + j, dh * tcv * o * (1.0 - o));
                    dz.set(z + 3 * n + j, dc * a * g * (1.0 - g));
                    carry[s] = dc * f;
                }
            }
            if (barrier != null) {
                barrier.await();
            }
            if (hasPrev) {
                // dL/dh_{t-1} += dz_t · RWᵀ, for this part's rows, or for this part's units
                if (u0 == 0 && u1 == n) {
                    e.addProductTransposed(to - from, dz, row + from * n4, n4, rw, (t - 1) * slab + from * n, n);
                } else {
                    e.addProductTransposedRows(mb, dz, row, n4, rw, u0, u1 - u0, (t - 1) * slab + u0, n);
                }
            }
        }
    }

    /** The logistic function; {@code single}: accurate to float precision (see {@link #exp}). */
    static double sigmoid(double x, boolean single) {
        return 1.0 / (1.0 + exp(-x, single));
    }

    /** tanh through expm1, which keeps its relative precision near 0 (Math.tanh is several times slower). */
    static double tanh(double x, boolean single) {
        double em1 = expm1(-2.0 * Math.abs(x), single);
        double t = -em1 / (2.0 + em1);
        return x < 0 ? -t : t;
    }

    /** e^x − 1; {@code single}: to float precision, without the cancellation of exp(x) − 1 near 0. */
    static double expm1(double x, boolean single) {
        if (!single) {
            return Math.expm1(x);
        }
        if (Math.abs(x) < HALF_LN_2) {
            return x * (1.0 + x * (1.0 / 2 + x * (1.0 / 6 + x * (1.0 / 24 + x * (1.0 / 120 + x * (1.0 / 720
                    + x * (1.0 / 5040 + x * (1.0 / 40320 + x * (1.0 / 362880)))))))));
        }
        return exp(x, true) - 1.0;
    }

    /**
     * e^x: {@link Math#exp} for double arrays; for float arrays a range reduction to |r| ≤ ln2/2 and a degree-8
     * polynomial (relative error below 1e-9, a small fraction of a float ulp), which the JIT inlines, unlike
     * Math.exp's out-of-line stub (13–16 ns per call measured here). It is the bulk of the forward loop's arithmetic.
     */
    static double exp(double x, boolean single) {
        if (!single) {
            return Math.exp(x);
        }
        // Outside ±700 the exponent field would overflow; the results there are inf and 0 in float anyway.
        if (x > 700.0) {
            return Double.POSITIVE_INFINITY;
        }
        if (x < -700.0) {
            return 0.0;
        }
        double k = Math.floor(x * LOG2_E + 0.5);
        double r = x - k * LN_2;
        double p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120
                + r * (1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320))))))));
        return p * Double.longBitsToDouble(((long) k + 1023L) << 52);
    }
}
