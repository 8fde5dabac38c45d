package org.rnnlab.nn.layers;

import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.TimesOneMinus;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Array plumbing shared by the recurrent layers ({@link FusedLstmLayer}, {@link FusedSimpleRnnLayer}, partly
 * {@link GruLayer}): cheap
 * views for the many per-step slices, activations and their derivatives on preallocated arrays, the time-major
 * input view, mask validation, and the liveness test of cached workspace arrays.
 */
final class RecurrentArrays {

    private RecurrentArrays() {
    }

    /** True if the array is not in a workspace, or its workspace is still open in the generation that created it. */
    static boolean live(INDArray arr) {
        if (arr == null || !arr.isAttached()) {
            return true;
        }
        MemoryWorkspace ws = arr.data().getParentWorkspace();
        return ws != null && ws.isScopeActive() && ws.getGenerationId() == arr.data().getGenerationId();
    }

    /** A row-major copy outside any workspace (stored states must outlive the workspaces of the pass). */
    static INDArray detachedCopy(INDArray arr) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return arr.dup('c');
        }
    }

    /**
     * A view of {@code base}'s buffer at {@code offset} elements past {@code base}'s own start, with the given shape
     * and strides (null: row-major strides of the shape). Cheaper than chains of get/slice/reshape/permute, which
     * matters for the many per-step views.
     */
    static INDArray view(INDArray base, long offset, long[] shape, long[] stride) {
        long[] st = stride;
        if (st == null) {
            st = new long[shape.length];
            long s = 1;
            for (int i = shape.length - 1; i >= 0; i--) {
                st[i] = s;
                s *= shape[i];
            }
        }
        return Nd4j.create(base.data(), shape, st, base.offset() + offset, 'c');
    }

    /** out = fn(in), with in and out of the same shape; in is not modified. */
    static void applyActivation(IActivation fn, INDArray in, INDArray out, boolean training) {
        if (fn instanceof ActivationSigmoid) {
            Nd4j.exec(new Sigmoid(in, out));
        } else if (fn instanceof ActivationTanH) {
            Nd4j.exec(new Tanh(in, out));
        } else {
            out.assign(in);
            fn.getActivation(out, training);
        }
    }

    /**
     * Writes f'(z) into {@code out}: from the activation output {@code post} where that is exact (sigmoid, tanh),
     * otherwise from the pre-activation {@code pre}.
     */
    static void derivative(IActivation fn, INDArray post, INDArray pre, INDArray out) {
        if (post != null && fn instanceof ActivationSigmoid) {
            Nd4j.exec(new TimesOneMinus(post, out));
        } else if (post != null && fn instanceof ActivationTanH) {
            Nd4j.exec(new MulOp(new INDArray[] {post, post}, new INDArray[] {out}));
            out.rsubi(1.0);
        } else {
            if (pre == null) {
                throw new IllegalStateException("Pre-activations were not kept for activation " + fn);
            }
            INDArray ones = Nd4j.ones(pre.dataType(), pre.shape());
            out.assign(fn.backprop(pre.dup('c'), ones).getFirst());
        }
    }

    /**
     * The input [mb, nIn, T] as a time-major row-major [T, mb, nIn] array without copying, or null if its strides do
     * not allow that.
     */
    static INDArray timeMajorView(INDArray ncw) {
        long mb = ncw.size(0);
        long nIn = ncw.size(1);
        long nT = ncw.size(2);
        if ((nIn == 1 || ncw.stride(1) == 1) && (mb == 1 || ncw.stride(0) == nIn)
                && (nT == 1 || ncw.stride(2) == mb * nIn)) {
            return Nd4j.create(ncw.data(), new long[] {nT, mb, nIn}, new long[] {mb * nIn, nIn, 1}, ncw.offset(),
                    'c');
        }
        return null;
    }

    /**
     * The input [mb, nIn, T] as time-major row-major [T, mb, nIn]: a view when the input already is time-major
     * row-major (the output of a fused recurrent layer is), otherwise one copy of array type {@code type}.
     */
    static INDArray timeMajorInput(INDArray ncw, LayerWorkspaceMgr mgr, ArrayType type, DataType dt) {
        INDArray x = timeMajorView(ncw);
        if (x == null) {
            x = mgr.createUninitialized(type, dt, new long[] {ncw.size(2), ncw.size(0), ncw.size(1)}, 'c');
            x.assign(ncw.permute(2, 0, 1));
        }
        return x;
    }

    /**
     * The layer output from the states {@code states} [T, mb, n] (masked by {@code maskTm} [T, mb, 1] if not null):
     * a time-major buffer (ACTIVATIONS) seen as [mb, n, T] or [mb, T, n], which a following fused layer reads
     * without a copy.
     */
    static INDArray maskedOutput(INDArray states, INDArray maskTm, LayerWorkspaceMgr mgr, DataType dt,
                                 RNNFormat format) {
        INDArray outTm = mgr.createUninitialized(ArrayType.ACTIVATIONS, dt, states.shape(), 'c');
        if (maskTm != null) {
            Nd4j.exec(new MulOp(new INDArray[] {states, maskTm}, new INDArray[] {outTm}));
        } else {
            outTm.assign(states);
        }
        return fromTimeMajor(outTm, format);
    }

    /** A time-major [T, mb, size] array as a view in the layer format: [mb, size, T] (NCW) or [mb, T, size] (NWC). */
    static INDArray fromTimeMajor(INDArray tm, RNNFormat format) {
        return format == RNNFormat.NWC ? tm.permute(1, 0, 2) : tm.permute(1, 2, 0);
    }

    /**
     * A time-major copy [T, mb, n] (BP_WORKING_MEM) of the output gradient {@code eps} [mb, n, T], masked like the
     * output. A copy, because the backward pass accumulates into it and the incoming epsilon may be shared
     * (Bidirectional).
     */
    static INDArray maskedOutputGradient(INDArray eps, INDArray maskTm, LayerWorkspaceMgr mgr, DataType dt) {
        INDArray e = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt,
                new long[] {eps.size(2), eps.size(0), eps.size(1)}, 'c');
        e.assign(eps.permute(2, 0, 1));
        if (maskTm != null) {
            Nd4j.exec(new MulOp(new INDArray[] {e, maskTm}, new INDArray[] {e}));
        }
        return e;
    }

    /** A single time step [mb, size] as the rank 3 array of one step in the given format; other ranks unchanged. */
    static INDArray rank3(INDArray arr, RNNFormat format) {
        if (arr.rank() != 2) {
            return arr;
        }
        return format == RNNFormat.NWC
                ? arr.reshape(arr.size(0), 1, arr.size(1))
                : arr.reshape(arr.size(0), arr.size(1), 1);
    }

    /**
     * Reads the (small) mask [mb, T] once, so that steps where every example is present need no mask arithmetic:
     * sets {@code partial[t]} if some example is masked at step t. {@code owner} names the layer in errors.
     */
    static void markPartialSteps(INDArray mask, boolean[] partial, String owner) {
        // One copy of the whole mask: toDoubleMatrix() goes row by row through views (4.6% of an IMDB step).
        double[] m = mask.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        int steps = partial.length;
        for (int i = 0; i < m.length / steps; i++) {
            for (int t = 0; t < steps; t++) {
                double v = m[i * steps + t];
                if (v != 0.0 && v != 1.0) {
                    throw new IllegalArgumentException(owner + ": feature mask values must be 0 or 1, got " + v
                            + " at [" + i + ", " + t + "]");
                }
                if (v == 0.0) {
                    partial[t] = true;
                }
            }
        }
    }

    static void assignOrZero(INDArray target, INDArray source) {
        if (source == null) {
            target.assign(0);
        } else {
            target.assign(source);
        }
    }
}
