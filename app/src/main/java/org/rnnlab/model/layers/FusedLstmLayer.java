package org.rnnlab.model.layers;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.Arrays;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.BaseRecurrentLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.TimesOneMinus;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DL4J layer implementing {@link FusedLstm} (equations, gate order and mask semantics are documented there).
 *
 * <h2>Layout and operations</h2>
 * Inside the layer everything is time-major and row-major ('c'), so that every time step is one contiguous
 * [mb, ·] slice and "all time steps" is one contiguous [T·mb, ·] matrix:
 * <ul>
 *   <li>Forward: the input is viewed (or, if its strides do not allow that, copied once) as X [T·mb, nIn]; the input
 *       projections of all steps are one product {@code Z = X·W + b} [T·mb, 4n]. Per step there is one product
 *       {@code Z_t += h_{t−1}·RW} written in place into Z's slice, and seven in-place element-wise operations
 *       (two activations on column blocks, the cell update and the output).</li>
 *   <li>Backward: the derivative factors of all steps are computed up front; per step there are four element-wise
 *       operations (two of them broadcast over gate blocks laid out side by side) and one product
 *       {@code dh_{t−1} += dZ_t·RWᵀ}. The parameter gradients are then one product each over all steps:
 *       {@code dW = Xᵀ·dZ}, {@code dRW = H_prevᵀ·dZ}, {@code db = Σ dZ}, and the input gradient {@code dX = dZ·Wᵀ}.</li>
 * </ul>
 * No per-step allocations: all buffers are allocated once per call through the {@link LayerWorkspaceMgr}.
 * The output [mb, nOut, T] (NCW) is a permuted view of a time-major buffer; a following {@code FusedLstm} or
 * {@link SparseSoftmaxOutput} reads it without a copy.
 *
 * <h2>State</h2>
 * {@code rnnTimeStep} keeps the last output and cell state in {@code stateMap}, truncated BPTT in
 * {@code tBpttStateMap}, under DL4J's LSTM keys {@link #STATE_KEY_PREV_ACTIVATION} and
 * {@link #STATE_KEY_PREV_MEMCELL} (shape [mb, nOut] each), so states are interchangeable with DL4J's LSTM. Stored
 * states are copies outside any workspace. {@code activate} always starts from a zero state.
 *
 * <h2>Forward cache, and truncated BPTT</h2>
 * A training-mode forward pass keeps its buffers (as ACTIVATIONS: MultiLayerNetwork and ComputationGraph keep that
 * workspace open from the forward pass through backprop) and backprop uses them if nothing invalidated them: same
 * (post-dropout) input and mask arrays, no other forward pass since, and the workspace still open in the same
 * generation. Otherwise backprop recomputes the forward pass (from the zero state, or for
 * {@code tbpttBackpropGradient} from {@code stateMap}). This matters for truncated BPTT in a MultiLayerNetwork:
 * M2.1's MultiLayerNetwork calls {@code backpropGradient}, not {@code tbpttBackpropGradient}, after a forward pass
 * from the carried-over state; DL4J's LSTM then recomputes its forward pass from a zero state, so its gradients
 * ignore the carried state. Using the cached forward pass, this layer's gradients are those of the forward pass that
 * produced the loss.
 */
public class FusedLstmLayer extends BaseRecurrentLayer<FusedLstm> {

    /** Key of the last output [mb, nOut] in the stored-state maps (the key DL4J's LSTM uses). */
    public static final String STATE_KEY_PREV_ACTIVATION = "prevAct";
    /** Key of the last cell state [mb, nOut] in the stored-state maps (the key DL4J's LSTM uses). */
    public static final String STATE_KEY_PREV_MEMCELL = "prevMem";

    private ForwardPass cached;

    public FusedLstmLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Buffers of one forward pass, time-major and row-major, allocated by the pass itself. */
    private static final class ForwardPass {
        INDArray x;        // [T, mb, nIn] input after dropout (possibly a view of the layer input)
        INDArray gates;    // [T, mb, 4n] activated gates, blocks a | f | o | g
        INDArray pre;      // [T, mb, 4n] pre-activations; only for activations without a derivative from the output
        INDArray h;        // [T+1, mb, n] states; h[0] is the initial state
        INDArray c;        // [T+1, mb, n] cell states; c[0] is the initial cell state
        INDArray tc;       // [T, mb, n] act(c_new), before any mask blending
        INDArray maskTm;   // [T, mb, 1] feature mask, or null
        boolean[] partial; // per step: true if some example is masked at that step
        boolean hasInitialState;
        INDArray out;      // output in the layer's format, or null if built for backprop only
        INDArray inputRef; // the (post-dropout) layer input this pass was computed from
        INDArray maskRef;  // the mask this pass was computed with
        long steps;
        long mb;

        boolean usableFor(INDArray in, INDArray mask) {
            return inputRef == in && maskRef == mask && live(x) && live(gates) && live(pre) && live(h) && live(c)
                    && live(tc) && live(maskTm);
        }
    }

    /** True if the array is not in a workspace, or its workspace is still open in the generation that created it. */
    private static boolean live(INDArray arr) {
        if (arr == null || !arr.isAttached()) {
            return true;
        }
        MemoryWorkspace ws = arr.data().getParentWorkspace();
        return ws != null && ws.isScopeActive() && ws.getGenerationId() == arr.data().getGenerationId();
    }

    private static INDArray detachedCopy(INDArray arr) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return arr.dup('c');
        }
    }

    private static boolean derivativeFromOutput(IActivation fn) {
        return fn instanceof ActivationSigmoid || fn instanceof ActivationTanH;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Forward

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        setInputRank3(workspaceMgr);
        return forward(null, null, training, training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM,
                ArrayType.FF_WORKING_MEM, true, workspaceMgr).out;
    }

    @Override
    public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        setInputRank3(workspaceMgr);
        ForwardPass fp = forward(stateMap.get(STATE_KEY_PREV_ACTIVATION), stateMap.get(STATE_KEY_PREV_MEMCELL), false,
                ArrayType.FF_WORKING_MEM, ArrayType.FF_WORKING_MEM, true, workspaceMgr);
        storeLastState(fp, stateMap);
        return fp.out;
    }

    @Override
    public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
                                                LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        setInputRank3(workspaceMgr);
        ForwardPass fp = forward(tBpttStateMap.get(STATE_KEY_PREV_ACTIVATION),
                tBpttStateMap.get(STATE_KEY_PREV_MEMCELL), training,
                training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM, ArrayType.FF_WORKING_MEM, true,
                workspaceMgr);
        if (storeLastForTBPTT) {
            storeLastState(fp, tBpttStateMap);
        }
        return fp.out;
    }

    private static void storeLastState(ForwardPass fp, java.util.Map<String, INDArray> map) {
        map.put(STATE_KEY_PREV_ACTIVATION, detachedCopy(fp.h.slice(fp.steps)));
        map.put(STATE_KEY_PREV_MEMCELL, detachedCopy(fp.c.slice(fp.steps)));
    }

    /** A single step may come as [mb, nIn]; the layer works on rank 3 only (as [mb, nIn, 1]). */
    private void setInputRank3(LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        if (input.rank() == 2) {
            INDArray in3 = getDataFormat() == RNNFormat.NWC
                    ? input.reshape(input.size(0), 1, input.size(1))
                    : input.reshape(input.size(0), input.size(1), 1);
            setInput(in3, mgr);
        }
    }

    /**
     * Runs the recurrence over the current input.
     *
     * @param h0         initial output [mb, n] or null for zeros; never modified
     * @param c0         initial cell state [mb, n] or null for zeros; never modified
     * @param keepType   array type of the buffers backprop needs (ACTIVATIONS for a training pass so that they can
     *                   be cached, BP_WORKING_MEM when called from backprop)
     * @param tmpType    array type of scratch arrays
     * @param withOutput whether to build the layer output (not needed when called from backprop)
     */
    private ForwardPass forward(INDArray h0, INDArray c0, boolean training, ArrayType keepType, ArrayType tmpType,
                                boolean withOutput, LayerWorkspaceMgr mgr) {
        // Any forward pass replaces the cache: the input, parameters or state it was computed from may be stale now.
        cached = null;
        assertInputSet(false);
        if (input.rank() != 3) {
            throw new IllegalStateException("FusedLstm layer " + layerId() + " expects rank 3 input, got shape "
                    + Arrays.toString(input.shape()));
        }
        applyDropOutIfNecessary(training, mgr);

        final FusedLstm conf = layerConf();
        final IActivation gateFn = conf.getGateActivationFn();
        final IActivation actFn = conf.getActivationFn();
        final DataType dt = dataType;
        final INDArray in = permuteIfNWC(input).castTo(dt); // [mb, nIn, T]
        final long mb = in.size(0);
        final long nIn = in.size(1);
        final long nT = in.size(2);
        final long n = conf.getNOut();

        final INDArray w = getParamWithNoise(FusedLstmParamInitializer.INPUT_WEIGHT_KEY, training, mgr);
        final INDArray rw = getParamWithNoise(FusedLstmParamInitializer.RECURRENT_WEIGHT_KEY, training, mgr);
        final INDArray b = getParamWithNoise(FusedLstmParamInitializer.BIAS_KEY, training, mgr);
        if (nIn != w.size(0)) {
            throw new IllegalStateException("FusedLstm layer " + layerId() + ": input has size " + nIn
                    + " along the feature dimension (shape " + Arrays.toString(input.shape()) + ", format "
                    + getDataFormat() + ") but nIn = " + w.size(0));
        }
        checkState("output", h0, mb, n);
        checkState("cell", c0, mb, n);
        final INDArray mask = maskArray;
        if (mask != null && (mask.rank() != 2 || mask.size(0) != mb || mask.size(1) != nT)) {
            throw new IllegalStateException("FusedLstm layer " + layerId() + ": feature mask must have shape [" + mb
                    + ", " + nT + "] (one entry per example and time step), got " + Arrays.toString(mask.shape()));
        }

        ForwardPass fp = new ForwardPass();
        fp.steps = nT;
        fp.mb = mb;
        fp.inputRef = input;
        fp.maskRef = mask;
        fp.hasInitialState = h0 != null || c0 != null;

        // Time-major input: a view when the input already is time-major row-major (the output of a FusedLstm is),
        // otherwise one copy.
        fp.x = timeMajorView(in);
        if (fp.x == null) {
            fp.x = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, nIn}, 'c');
            fp.x.assign(in.permute(2, 0, 1));
        }

        // Input projections of all time steps in one product, plus the biases.
        fp.gates = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, 4 * n}, 'c');
        INDArray gates2d = fp.gates.reshape('c', nT * mb, 4 * n);
        Nd4j.gemm(fp.x.reshape('c', nT * mb, nIn), w, gates2d, false, false, 1.0, 0.0);
        gates2d.addiRowVector(b);

        fp.h = mgr.createUninitialized(keepType, dt, new long[] {nT + 1, mb, n}, 'c');
        fp.c = mgr.createUninitialized(keepType, dt, new long[] {nT + 1, mb, n}, 'c');
        assignOrZero(fp.h.slice(0), h0);
        assignOrZero(fp.c.slice(0), c0);
        fp.tc = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, n}, 'c');

        boolean gateGeneric = !derivativeFromOutput(gateFn);
        boolean actGeneric = !derivativeFromOutput(actFn);
        if (training && (gateGeneric || actGeneric)) {
            fp.pre = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, 4 * n}, 'c');
        }

        fp.partial = new boolean[(int) nT];
        if (mask != null) {
            fp.maskTm = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, 1}, 'c');
            fp.maskTm.reshape('c', nT, mb).assign(mask.castTo(dt).transpose());
            markPartialSteps(mask, fp.partial);
        }
        INDArray scratch = mgr.createUninitialized(tmpType, dt, new long[] {mb, n}, 'c');

        for (long t = 0; t < nT; t++) {
            INDArray g = fp.gates.slice(t);
            INDArray hPrev = fp.h.slice(t);
            INDArray cPrev = fp.c.slice(t);
            INDArray hNext = fp.h.slice(t + 1);
            INDArray cNext = fp.c.slice(t + 1);
            boolean prevNonZero = t > 0 || fp.hasInitialState;
            if (prevNonZero) {
                Nd4j.gemm(hPrev, rw, g, false, false, 1.0, 1.0);
            }
            if (fp.pre != null) {
                fp.pre.slice(t).assign(g);
            }
            INDArray a = g.get(all(), interval(0, n));
            INDArray f = g.get(all(), interval(n, 2 * n));
            INDArray o = g.get(all(), interval(2 * n, 3 * n));
            INDArray gi = g.get(all(), interval(3 * n, 4 * n));
            gateFn.getActivation(g.get(all(), interval(n, 4 * n)), training);
            actFn.getActivation(a, training);

            // c' = f ⊙ c + g ⊙ a
            if (prevNonZero) {
                Nd4j.exec(new MulOp(new INDArray[] {f, cPrev}, new INDArray[] {cNext}));
                Nd4j.exec(new MulOp(new INDArray[] {gi, a}, new INDArray[] {scratch}));
                cNext.addi(scratch);
            } else {
                Nd4j.exec(new MulOp(new INDArray[] {gi, a}, new INDArray[] {cNext}));
            }
            // h' = o ⊙ act(c')
            INDArray tcT = fp.tc.slice(t);
            if (actFn instanceof ActivationTanH) {
                Nd4j.exec(new Tanh(cNext, tcT));
            } else {
                tcT.assign(cNext);
                actFn.getActivation(tcT, training);
            }
            Nd4j.exec(new MulOp(new INDArray[] {o, tcT}, new INDArray[] {hNext}));

            if (fp.partial[(int) t]) {
                // Masked examples keep their state: s = s_prev + m ⊙ (s' − s_prev).
                INDArray m = fp.maskTm.slice(t);
                cNext.subi(cPrev).muliColumnVector(m).addi(cPrev);
                hNext.subi(hPrev).muliColumnVector(m).addi(hPrev);
            }
        }

        if (withOutput) {
            INDArray outTm = mgr.createUninitialized(ArrayType.ACTIVATIONS, dt, new long[] {nT, mb, n}, 'c');
            INDArray states = fp.h.get(interval(1, nT + 1), all(), all());
            if (mask != null) {
                Nd4j.exec(new MulOp(new INDArray[] {states, fp.maskTm}, new INDArray[] {outTm}));
            } else {
                outTm.assign(states);
            }
            fp.out = getDataFormat() == RNNFormat.NWC ? outTm.permute(1, 0, 2) : outTm.permute(1, 2, 0);
        }

        if (training) {
            cached = fp;
        }
        return fp;
    }

    private void checkState(String what, INDArray s, long mb, long n) {
        if (s != null && (s.rank() != 2 || s.size(0) != mb || s.size(1) != n)) {
            throw new IllegalStateException("FusedLstm layer " + layerId() + ": stored " + what + " state has shape "
                    + Arrays.toString(s.shape()) + " but the input needs [" + mb + ", " + n + "]: minibatch size"
                    + " changed between rnnTimeStep calls, or rnnClearPreviousState() was not called between batches?");
        }
    }

    private static void assignOrZero(INDArray target, INDArray source) {
        if (source == null) {
            target.assign(0);
        } else {
            target.assign(source);
        }
    }

    /** Reads the (small) mask once, so that steps where every example is present need no mask arithmetic. */
    private void markPartialSteps(INDArray mask, boolean[] partial) {
        double[][] m = mask.castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int i = 0; i < m.length; i++) {
            for (int t = 0; t < partial.length; t++) {
                double v = m[i][t];
                if (v != 0.0 && v != 1.0) {
                    throw new IllegalArgumentException("FusedLstm layer " + layerId() + ": feature mask values must"
                            + " be 0 or 1, got " + v + " at [" + i + ", " + t + "]");
                }
                if (v == 0.0) {
                    partial[t] = true;
                }
            }
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

    // ---------------------------------------------------------------------------------------------------------
    // Backward

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        return backward(epsilon, false, -1, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> tbpttBackpropGradient(INDArray epsilon, int tbpttBackLength,
                                                          LayerWorkspaceMgr workspaceMgr) {
        return backward(epsilon, true, tbpttBackLength, workspaceMgr);
    }

    private Pair<Gradient, INDArray> backward(INDArray epsilon, boolean truncated, int backLength,
                                              LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        if (input.rank() == 2) {
            setInputRank3(mgr);
        }
        ForwardPass fp = cached;
        cached = null;
        if (fp == null || !fp.usableFor(input, maskArray)) {
            INDArray h0 = truncated ? stateMap.get(STATE_KEY_PREV_ACTIVATION) : null;
            INDArray c0 = truncated ? stateMap.get(STATE_KEY_PREV_MEMCELL) : null;
            fp = forward(h0, c0, true, ArrayType.BP_WORKING_MEM, ArrayType.BP_WORKING_MEM, false, mgr);
            cached = null;
        }
        if (truncated) {
            storeLastState(fp, tBpttStateMap);
        }

        final FusedLstm conf = layerConf();
        final DataType dt = dataType;
        final long n = conf.getNOut();
        final long nT = fp.steps;
        final long mb = fp.mb;
        final long nIn = fp.x.size(2);
        final long end = (truncated && backLength > 0) ? Math.max(0, nT - backLength) : 0;
        final long nR = nT - end; // time steps that receive gradient

        final INDArray w = getParamWithNoise(FusedLstmParamInitializer.INPUT_WEIGHT_KEY, true, mgr);
        final INDArray rw = getParamWithNoise(FusedLstmParamInitializer.RECURRENT_WEIGHT_KEY, true, mgr);
        final INDArray gW = gradientViews.get(FusedLstmParamInitializer.INPUT_WEIGHT_KEY);
        final INDArray gRW = gradientViews.get(FusedLstmParamInitializer.RECURRENT_WEIGHT_KEY);
        final INDArray gB = gradientViews.get(FusedLstmParamInitializer.BIAS_KEY);

        if (epsilon.rank() == 2) {
            epsilon = getDataFormat() == RNNFormat.NWC
                    ? epsilon.reshape(epsilon.size(0), 1, epsilon.size(1))
                    : epsilon.reshape(epsilon.size(0), epsilon.size(1), 1);
        }
        INDArray eps = permuteIfNWC(epsilon).castTo(dt); // [mb, n, T]
        if (eps.rank() != 3 || eps.size(0) != mb || eps.size(1) != n || eps.size(2) != nT) {
            throw new IllegalStateException("FusedLstm layer " + layerId() + ": epsilon has shape "
                    + Arrays.toString(epsilon.shape()) + ", expected the shape of the layer output");
        }

        // e[t] accumulates dL/dh_t: the output gradient (masked like the output) plus, once step t+1 is done,
        // everything flowing back from step t+1. It is a copy: the incoming epsilon may be shared (Bidirectional).
        INDArray e = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nT, mb, n}, 'c');
        e.assign(eps.permute(2, 0, 1));
        if (fp.maskTm != null) {
            Nd4j.exec(new MulOp(new INDArray[] {e, fp.maskTm}, new INDArray[] {e}));
        }

        // Factors of all steps, blocks k0..k5 of k [nR, mb, 6n], laid out like the gradient row d below:
        //   dz_a = dc ⊙ k0, k0 = g ⊙ act'(z_a)       dz_f = dc ⊙ k1, k1 = c_prev ⊙ σ'(z_f)
        //   dz_o = dh ⊙ k2, k2 = act(c') ⊙ σ'(z_o)   dz_g = dc ⊙ k3, k3 = a ⊙ σ'(z_g)
        //   carry = dc ⊙ k4, k4 = f                    dc = dh ⊙ k5 + carry_next, k5 = o ⊙ act'(c')
        // with the mask folded into k2 and k5, so that masked examples get no gradient at their masked steps.
        IActivation gateFn = conf.getGateActivationFn();
        IActivation actFn = conf.getActivationFn();
        INDArray gatesR = fp.gates.get(interval(end, nT), all(), all());
        INDArray preR = fp.pre == null ? null : fp.pre.get(interval(end, nT), all(), all());
        INDArray a = block(gatesR, 0, n);
        INDArray f = block(gatesR, 1, n);
        INDArray o = block(gatesR, 2, n);
        INDArray gi = block(gatesR, 3, n);
        INDArray tcR = fp.tc.get(interval(end, nT), all(), all());
        INDArray cPrevR = fp.c.get(interval(end, nT), all(), all());
        INDArray maskR = fp.maskTm == null ? null : fp.maskTm.get(interval(end, nT), all(), all());

        INDArray k = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nR, mb, 6 * n}, 'c');
        INDArray k0 = block(k, 0, n);
        INDArray k1 = block(k, 1, n);
        INDArray k2 = block(k, 2, n);
        INDArray k3 = block(k, 3, n);
        INDArray k4 = block(k, 4, n);
        INDArray k5 = block(k, 5, n);
        if (gateFn instanceof ActivationSigmoid) {
            // One op for the three sigmoid gates, which sit side by side in both arrays.
            Nd4j.exec(new TimesOneMinus(gatesR.get(all(), all(), interval(n, 4 * n)),
                    k.get(all(), all(), interval(n, 4 * n))));
        } else {
            derivative(gateFn, f, preR == null ? null : block(preR, 1, n), k1);
            derivative(gateFn, o, preR == null ? null : block(preR, 2, n), k2);
            derivative(gateFn, gi, preR == null ? null : block(preR, 3, n), k3);
        }
        derivative(actFn, a, preR == null ? null : block(preR, 0, n), k0);
        k0.muli(gi);
        k1.muli(cPrevR);
        k2.muli(tcR);
        k3.muli(a);
        k4.assign(f);
        if (actFn instanceof ActivationTanH) {
            Nd4j.exec(new MulOp(new INDArray[] {tcR, tcR}, new INDArray[] {k5}));
            k5.rsubi(1.0);
        } else {
            // act'(c'): c' equals the stored cell state wherever the mask is 1; elsewhere k5 is zeroed below.
            derivative(actFn, null, fp.c.get(interval(end + 1, nT + 1), all(), all()), k5);
        }
        k5.muli(o);
        if (maskR != null) {
            Nd4j.exec(new MulOp(new INDArray[] {k2, maskR}, new INDArray[] {k2}));
            Nd4j.exec(new MulOp(new INDArray[] {k5, maskR}, new INDArray[] {k5}));
        }

        // Per step gradient row d [mb, 6n] = [dz_a | dz_f | dz_o | dz_g | carry | dc]: dz_a..dz_g is dL/dz_t in W's
        // and RW's column order (contiguous for the products), carry is dL/dc_{t−1} through the forget gate.
        INDArray d = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nR, mb, 6 * n}, 'c');
        INDArray oneMinusM = null;
        INDArray tmp = null;
        if (fp.maskTm != null) {
            oneMinusM = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nT, mb, 1}, 'c');
            oneMinusM.assign(fp.maskTm).rsubi(1.0);
            tmp = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {mb, n}, 'c');
        }
        for (long t = nT - 1; t >= end; t--) {
            long i = t - end;
            INDArray dRow = d.slice(i).reshape('c', mb, 6, n);
            INDArray kRow = k.slice(i).reshape('c', mb, 6, n);
            INDArray dc = dRow.get(all(), point(5), all());
            // [dz_o, dc] = dh ⊙ [k2, k5]
            Nd4j.exec(new MulOp(new INDArray[] {kRow.get(all(), interval(2, 3, 6), all()),
                    e.slice(t).reshape('c', mb, 1, n)}, new INDArray[] {dRow.get(all(), interval(2, 3, 6), all())}));
            boolean partial = fp.partial[(int) t];
            INDArray carryIn = null;
            if (t < nT - 1) {
                carryIn = d.slice(i + 1).reshape('c', mb, 6, n).get(all(), point(4), all());
                if (partial) {
                    Nd4j.exec(new MulOp(new INDArray[] {carryIn, fp.maskTm.slice(t)}, new INDArray[] {tmp}));
                    dc.addi(tmp);
                } else {
                    dc.addi(carryIn);
                }
            }
            INDArray dc3 = dc.reshape('c', mb, 1, n);
            // [dz_a, dz_f] = dc ⊙ [k0, k1];  [dz_g, carry] = dc ⊙ [k3, k4]
            Nd4j.exec(new MulOp(new INDArray[] {kRow.get(all(), interval(0, 2), all()), dc3},
                    new INDArray[] {dRow.get(all(), interval(0, 2), all())}));
            Nd4j.exec(new MulOp(new INDArray[] {kRow.get(all(), interval(3, 5), all()), dc3},
                    new INDArray[] {dRow.get(all(), interval(3, 5), all())}));
            if (partial) {
                // Masked examples pass the gradients of their carried state straight to the previous step.
                INDArray oneMinus = oneMinusM.slice(t);
                if (carryIn != null) {
                    Nd4j.exec(new MulOp(new INDArray[] {carryIn, oneMinus}, new INDArray[] {tmp}));
                    dRow.get(all(), point(4), all()).addi(tmp);
                }
                if (t > end) {
                    Nd4j.exec(new MulOp(new INDArray[] {e.slice(t), oneMinus}, new INDArray[] {tmp}));
                    e.slice(t - 1).addi(tmp);
                }
            }
            if (t > end) {
                Nd4j.gemm(d.slice(i).get(all(), interval(0, 4 * n)), rw, e.slice(t - 1), false, true, 1.0, 1.0);
            }
        }

        // Parameter and input gradients: one product each over all steps.
        INDArray dz = d.get(all(), all(), interval(0, 4 * n)).reshape('c', nR * mb, 4 * n);
        INDArray x2d = fp.x.get(interval(end, nT), all(), all()).reshape('c', nR * mb, nIn);
        INDArray hPrev2d = fp.h.get(interval(end, nT), all(), all()).reshape('c', nR * mb, n);
        Nd4j.gemm(x2d, dz, gW, true, false, 1.0, 0.0);
        Nd4j.gemm(hPrev2d, dz, gRW, true, false, 1.0, 0.0);
        dz.sum(gB, 0);

        INDArray epsTm = end > 0
                ? mgr.create(ArrayType.ACTIVATION_GRAD, dt, new long[] {nT, mb, nIn}, 'c')
                : mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dt, new long[] {nT, mb, nIn}, 'c');
        INDArray dx2d = epsTm.get(interval(end, nT), all(), all()).reshape('c', nR * mb, nIn);
        Nd4j.gemm(dz, w, dx2d, false, true, 1.0, 0.0);

        weightNoiseParams.clear();

        Gradient ret = new DefaultGradient(gradientsFlattened);
        ret.gradientForVariable().put(FusedLstmParamInitializer.INPUT_WEIGHT_KEY, gW);
        ret.gradientForVariable().put(FusedLstmParamInitializer.RECURRENT_WEIGHT_KEY, gRW);
        ret.gradientForVariable().put(FusedLstmParamInitializer.BIAS_KEY, gB);

        INDArray epsOut = getDataFormat() == RNNFormat.NWC ? epsTm.permute(1, 0, 2) : epsTm.permute(1, 2, 0);
        epsOut = backpropDropOutIfPresent(epsOut);
        return new Pair<>(ret, epsOut);
    }

    /** Column block {@code i} (width n) along the last dimension of a rank-3 array. */
    private static INDArray block(INDArray arr, int i, long n) {
        return arr.get(all(), all(), interval(i * n, (i + 1) * n));
    }

    /**
     * Writes f'(z) into {@code out}: from the activation output {@code post} where that is exact (sigmoid, tanh),
     * otherwise from the pre-activation {@code pre}.
     */
    private static void derivative(IActivation fn, INDArray post, INDArray pre, INDArray out) {
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

    // ---------------------------------------------------------------------------------------------------------

    /**
     * Like DL4J's LSTM: keeps the feature mask (used to mask outputs and carry states) and passes it on unchanged,
     * marked as not needing to be applied again by the layers above.
     */
    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        this.maskArray = maskArray;
        this.maskState = currentMaskState;
        return new Pair<>(maskArray, MaskState.Passthrough);
    }

    @Override
    public void clear() {
        super.clear();
        cached = null;
    }

    @Override
    public Gradient gradient() {
        throw new UnsupportedOperationException("gradient() (layer-wise pretraining) is not supported by FusedLstm"
                + " layers " + layerId());
    }

    @Override
    public Type type() {
        return Type.RECURRENT;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }
}
