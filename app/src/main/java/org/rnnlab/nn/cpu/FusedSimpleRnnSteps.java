package org.rnnlab.nn.cpu;

import org.rnnlab.nn.cpu.kernel.DirectArray;
import org.rnnlab.nn.cpu.kernel.RecurrentParallel;
import org.rnnlab.nn.cpu.kernel.VectorFloatKernels;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link SimpleRnnLoops} of {@code FusedSimpleRnnLayer}: plain Java loops plus one direct {@code cblas_?gemm}
 * per step, on the layer's own row-major buffers (why: see {@link DirectArray}; with the IMDB shapes, [128, 64]
 * per step, ND4J's dispatch was most of the layer's time). The forward loop covers tanh, the backward loop any
 * activation (its derivative factors are computed in bulk beforehand). The buffers are those of the ND4J path in
 * {@code FusedSimpleRnnLayer}, which remains the path for what this class does not cover.
 */
final class FusedSimpleRnnSteps {

    /** These loops behind their interface. */
    static final SimpleRnnLoops LOOPS = new SimpleRnnLoops() {
        @Override
        public void forward(INDArray z, INDArray rw, INDArray h, INDArray mask, boolean[] partial,
                            boolean hasInitialState, int nT, int mb, int n) {
            FusedSimpleRnnSteps.forward(z, rw, h, mask, partial, hasInitialState, nT, mb, n);
        }

        @Override
        public void backward(INDArray e, INDArray k, INDArray mask, boolean[] partial, INDArray rw, INDArray dz,
                             int nT, int end, int mb, int n) {
            FusedSimpleRnnSteps.backward(e, k, mask, partial, rw, dz, nT, end, mb, n);
        }

        @Override
        public boolean coversForward(IActivation actFn) {
            return actFn instanceof ActivationTanH;
        }

        @Override
        public boolean usesAllThreads(int miniBatch) {
            return RecurrentParallel.exampleParts(miniBatch) > 1;
        }
    };

    private FusedSimpleRnnSteps() {
    }

    /** True if {@link #forward} applies: tanh on FLOAT or DOUBLE arrays on the CPU backend. */
    static boolean forwardApplies(IActivation actFn, DataType dt) {
        return actFn instanceof ActivationTanH && DirectArray.usable(dt);
    }

    /** True if {@link #backward} applies: FLOAT or DOUBLE arrays on the CPU backend. */
    static boolean backwardApplies(DataType dt) {
        return DirectArray.usable(dt);
    }

    /**
     * The forward recurrence with tanh: on entry {@code z} [T, mb, n] holds the input projections plus bias and
     * {@code h[0]} the initial state; on return z holds all pre-activations and {@code h} [T+1, mb, n] the states.
     * Examples with mask 0 at a step keep their state.
     */
    static void forward(INDArray zArr, INDArray rwArr, INDArray hArr, INDArray maskArr, boolean[] partial,
                        boolean hasInitialState, int nT, int mb, int n) {
        // Wrapped once, on this thread: Weights.of may copy through ND4J, which the parts must not call.
        DirectArray z = DirectArray.of(zArr);
        DirectArray.Weights rw = DirectArray.Weights.of(rwArr);
        DirectArray h = DirectArray.of(hArr);
        DirectArray mask = maskArr == null ? null : DirectArray.of(maskArr);
        RecurrentParallel.run(mb, (from, to) -> forward(z, rw, h, mask, partial, hasInitialState, nT, mb, n, from,
                to));
    }

    /** {@link #forward} for examples [from, to): rows of a batch never interact. */
    private static void forward(DirectArray z, DirectArray.Weights rw, DirectArray h, DirectArray mask,
                                boolean[] partial, boolean hasInitialState, int nT, int mb, int n, int from, int to) {
        final boolean single = z instanceof DirectArray.F32;
        final boolean vector = single && DirectArray.vectorUsable();
        final int slab = mb * n;
        for (int t = 0; t < nT; t++) {
            int prev = t * slab;
            int next = (t + 1) * slab;
            if (t > 0 || hasInitialState) {
                z.addProduct(to - from, h, prev + from * n, n, rw, prev + from * n, n);
            }
            for (int i = from; i < to; i++) {
                boolean keep = partial[t] && mask.get(t * mb + i) == 0.0;
                if (vector && !keep) {
                    VectorFloatKernels.tanh(((DirectArray.F32) z).bytes(), prev + i * n, ((DirectArray.F32) h).bytes(),
                            next + i * n, n);
                    continue;
                }
                for (int j = i * n, stop = j + n; j < stop; j++) {
                    h.set(next + j, keep ? h.get(prev + j) : FusedLstmSteps.tanh(z.get(prev + j), single));
                }
            }
        }
    }

    /**
     * The backward recurrence over steps T−1 down to {@code end}: {@code dz_t = dh_t ⊙ k_t} into {@code dz}
     * [T−end, mb, n], and {@code dh_{t−1} += dz_t·RWᵀ} into {@code e} [T, mb, n], which holds dL/dh from the output
     * on entry. {@code k} [T−end, mb, n] holds act'(z) times the mask. Examples masked at a step pass their gradient
     * straight to the previous step.
     */
    static void backward(INDArray eArr, INDArray kArr, INDArray maskArr, boolean[] partial, INDArray rwArr,
                         INDArray dzArr, int nT, int end, int mb, int n) {
        DirectArray e = DirectArray.of(eArr);
        DirectArray k = DirectArray.of(kArr);
        DirectArray dz = DirectArray.of(dzArr);
        DirectArray.Weights rw = DirectArray.Weights.of(rwArr);
        DirectArray mask = maskArr == null ? null : DirectArray.of(maskArr);
        RecurrentParallel.run(mb, (from, to) -> backward(e, k, mask, partial, rw, dz, nT, end, mb, n, from, to));
    }

    /** {@link #backward} for examples [from, to). */
    private static void backward(DirectArray e, DirectArray k, DirectArray mask, boolean[] partial,
                                 DirectArray.Weights rw, DirectArray dz, int nT, int end, int mb, int n, int from,
                                 int to) {
        final int slab = mb * n;
        for (int t = nT - 1; t >= end; t--) {
            int cur = t * slab;
            int row = (t - end) * slab;
            for (int s = from * n; s < to * n; s++) {
                dz.set(row + s, e.get(cur + s) * k.get(row + s));
            }
            if (t > end) {
                int prev = (t - 1) * slab;
                if (partial[t]) {
                    for (int i = from; i < to; i++) {
                        if (mask.get(t * mb + i) == 0.0) {
                            for (int s = i * n, stop = s + n; s < stop; s++) {
                                e.add(prev + s, e.get(cur + s));
                            }
                        }
                    }
                }
                e.addProductTransposed(to - from, dz, row + from * n, n, rw, prev + from * n, n);
            }
        }
    }
}
