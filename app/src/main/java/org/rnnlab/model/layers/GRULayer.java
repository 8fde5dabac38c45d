package org.rnnlab.model.layers;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.Arrays;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
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
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.TimesOneMinus;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DL4J layer implementing {@link GRU} (equations, gate order and bias layout are documented there).
 *
 * <p>Data layout. Inside the layer everything is time-major and row-major ('c'): the input is copied once to
 * [T, mb, nIn], so that the input projection of all time steps is a single [T·mb, nIn] × [nIn, 3n] product and
 * every time step is a contiguous [mb, ·] slice. Per time step the forward pass does one [mb, n] × [n, 3n] product
 * and a handful of in-place element-wise ops on views; the backward pass does one [mb, 3n] × [3n, n] product and
 * three element-wise ops, everything else (activation derivatives, weight, bias and input gradients) is computed
 * for all time steps at once.
 *
 * <p>State. {@code rnnTimeStep} keeps the last state in {@code stateMap}, truncated BPTT in {@code tBpttStateMap}
 * (both under {@link #STATE_KEY_PREV_ACTIVATION}, shape [mb, nOut]); stored states are copies outside any
 * workspace, so they survive the workspaces of the call that produced them. {@code activate} always starts from a
 * zero state. During truncated BPTT the forward pass ({@code rnnActivateUsingStoredState}) starts from
 * {@code tBpttStateMap}. Backprop differentiates the forward pass that actually ran, from the initial state that
 * pass used. This matters: in DL4J 1.0.0-M2.1, MultiLayerNetwork and ComputationGraph call
 * {@code backpropGradient}, not {@code tbpttBackpropGradient}, even when training with truncated BPTT (so
 * {@code tBPTTBackwardLength} has no effect there), and DL4J's LSTM recomputes its forward pass from a zero state in
 * {@code backpropGradient}, so its gradient ignores the carried state. {@code tbpttBackpropGradient} is implemented
 * to its contract (gradient only through the last {@code tbpttBackLength} steps) for callers that use it.
 *
 * <p>Forward cache. A training-mode forward pass keeps its buffers (allocated as ACTIVATIONS, i.e. in the
 * workspace that MultiLayerNetwork and ComputationGraph keep open from the forward pass through backprop) so that
 * the following backprop does not recompute them. Backprop uses the cache only if no other forward pass ran since,
 * the layer input and mask are the same arrays, and the cache's workspace is still open in the same generation;
 * otherwise it recomputes the forward pass, as DL4J's LSTM always does.
 */
public class GRULayer extends BaseRecurrentLayer<GRU> {

    /** Key of the hidden state [minibatch, nOut] in the stored-state maps (same key as DL4J's LSTM/SimpleRnn). */
    public static final String STATE_KEY_PREV_ACTIVATION = "prevAct";

    private ForwardState cachedForward;
    // Initial state of the latest forward pass and the input it ran on: a backprop that has to recompute the forward
    // pass starts from the same state, whichever entry point (activate, rnnActivateUsingStoredState) ran it.
    private INDArray lastForwardInput;
    private INDArray lastForwardH0;

    public GRULayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Buffers of one forward pass, all time-major, all allocated by the pass itself. */
    private static final class ForwardState {
        INDArray x;        // [T, mb, nIn] input (after dropout)
        INDArray gates;    // [T, mb, 3n] post-activation r, z, n
        INDArray preAct;   // [T, mb, 3n] pre-activations; only for activations without a derivative-from-output
        INDArray rec;      // [T, mb, 3n] h_{t-1}·RW + b' (the n block is needed by backprop)
        INDArray h;        // [T+1, mb, n] carried states; h[0] is the initial state
        INDArray maskTm;   // [T, mb, 1] feature mask, or null
        INDArray out;      // layer output in the layer's data format (null when computed for backprop only)
        INDArray inputRef; // identity of the layer input this was computed from
        INDArray maskRef;  // identity of the mask this was computed with
        long timeSteps;

        INDArray lastState() {
            return h.slice(timeSteps);
        }

        boolean usableFor(INDArray input, INDArray mask) {
            return inputRef == input && maskRef == mask && inLiveScope(x) && inLiveScope(gates) && inLiveScope(rec)
                    && inLiveScope(h) && inLiveScope(maskTm) && inLiveScope(preAct);
        }
    }

    private static boolean inLiveScope(INDArray arr) {
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
        return forward(null, training, training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM,
                ArrayType.FF_WORKING_MEM, true, workspaceMgr).out;
    }

    @Override
    public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        setInput(as3d(input), workspaceMgr);
        ForwardState fs = forward(stateMap.get(STATE_KEY_PREV_ACTIVATION), false, ArrayType.FF_WORKING_MEM,
                ArrayType.FF_WORKING_MEM, true, workspaceMgr);
        stateMap.put(STATE_KEY_PREV_ACTIVATION, detachedCopy(fs.lastState()));
        return fs.out;
    }

    @Override
    public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
                                                LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        ForwardState fs = forward(tBpttStateMap.get(STATE_KEY_PREV_ACTIVATION), training,
                training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM, ArrayType.FF_WORKING_MEM, true,
                workspaceMgr);
        if (storeLastForTBPTT) {
            tBpttStateMap.put(STATE_KEY_PREV_ACTIVATION, detachedCopy(fs.lastState()));
        }
        return fs.out;
    }

    /** rnnTimeStep accepts a single step as [mb, nIn]; the rest of the layer works on rank 3 only. */
    private INDArray as3d(INDArray in) {
        if (in.rank() != 2) {
            return in;
        }
        return getDataFormat() == org.deeplearning4j.nn.conf.RNNFormat.NWC
                ? in.reshape(in.size(0), 1, in.size(1))
                : in.reshape(in.size(0), in.size(1), 1);
    }

    /**
     * Runs the recurrence over the current input.
     *
     * @param h0         initial state [mb, n], or null for zeros; never modified
     * @param keepType   array type of the buffers backprop needs (ACTIVATIONS for a training pass, so they can be
     *                   cached; BP_WORKING_MEM when called from backprop)
     * @param tmpType    array type of scratch arrays
     * @param withOutput whether to build the layer output (not needed when called from backprop)
     */
    private ForwardState forward(INDArray h0, boolean training, ArrayType keepType, ArrayType tmpType,
                                 boolean withOutput, LayerWorkspaceMgr mgr) {
        // Any forward pass replaces the cache: the input, params or state it was computed from may be stale now.
        cachedForward = null;
        assertInputSet(false);
        if (input.rank() != 3) {
            throw new IllegalStateException("GRU layer " + layerId() + " expects rank 3 input, got shape "
                    + Arrays.toString(input.shape()));
        }
        applyDropOutIfNecessary(training, mgr);
        lastForwardInput = input;
        lastForwardH0 = h0;

        final GRU conf = layerConf();
        final IActivation gateFn = conf.getGateActivationFn();
        final IActivation actFn = conf.getActivationFn();
        final DataType dt = dataType;
        final INDArray in = permuteIfNWC(input).castTo(dt); // [mb, nIn, T]
        final long mb = in.size(0);
        final long nIn = in.size(1);
        final long nT = in.size(2);
        final long n = conf.getNOut();

        final INDArray w = getParamWithNoise(GRUParamInitializer.INPUT_WEIGHT_KEY, training, mgr);
        final INDArray rw = getParamWithNoise(GRUParamInitializer.RECURRENT_WEIGHT_KEY, training, mgr);
        final INDArray b = getParamWithNoise(GRUParamInitializer.BIAS_KEY, training, mgr);
        if (nIn != w.size(0)) {
            throw new IllegalStateException("GRU layer " + layerId() + ": input has size " + nIn + " along the feature"
                    + " dimension (shape " + Arrays.toString(input.shape()) + ", format " + getDataFormat()
                    + ") but nIn = " + w.size(0));
        }
        if (h0 != null && (h0.rank() != 2 || h0.size(0) != mb || h0.size(1) != n)) {
            throw new IllegalStateException("GRU layer " + layerId() + ": stored state has shape "
                    + Arrays.toString(h0.shape()) + " but the input needs [" + mb + ", " + n + "]: minibatch size"
                    + " changed between rnnTimeStep calls, or rnnClearPreviousState() was not called between batches?");
        }
        final INDArray mask = maskArray;
        if (mask != null && (mask.rank() != 2 || mask.size(0) != mb || mask.size(1) != nT)) {
            throw new IllegalStateException("GRU layer " + layerId() + ": feature mask must have shape [" + mb + ", "
                    + nT + "] (one entry per example and time step), got " + Arrays.toString(mask.shape()));
        }

        ForwardState fs = new ForwardState();
        fs.timeSteps = nT;
        fs.inputRef = input;
        fs.maskRef = mask;

        fs.x = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, nIn}, 'c');
        fs.x.assign(in.permute(2, 0, 1));

        // Input projection of all time steps in one product, plus the input-side biases.
        fs.gates = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, 3 * n}, 'c');
        INDArray gates2d = fs.gates.reshape('c', nT * mb, 3 * n);
        Nd4j.gemm(fs.x.reshape('c', nT * mb, nIn), w, gates2d, false, false, 1.0, 0.0);
        gates2d.addiRowVector(b.get(interval(0, 0, true), interval(0, 3 * n)));

        // Recurrent products accumulate (beta = 1) onto the recurrent-side biases, which are written once here.
        fs.rec = mgr.create(keepType, dt, new long[] {nT, mb, 3 * n}, 'c');
        fs.rec.reshape('c', nT * mb, 3 * n).addiRowVector(b.get(interval(0, 0, true), interval(3 * n, 6 * n)));

        fs.h = mgr.createUninitialized(keepType, dt, new long[] {nT + 1, mb, n}, 'c');
        if (h0 == null) {
            fs.h.slice(0).assign(0);
        } else {
            fs.h.slice(0).assign(h0);
        }

        boolean gateGeneric = !derivativeFromOutput(gateFn);
        boolean actGeneric = !derivativeFromOutput(actFn);
        if (training && (gateGeneric || actGeneric)) {
            fs.preAct = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, 3 * n}, 'c');
        }

        INDArray oneMinusMaskTm = null;
        INDArray zEff = null;
        if (mask != null) {
            fs.maskTm = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, 1}, 'c');
            fs.maskTm.reshape('c', nT, mb).assign(mask.castTo(dt).transpose());
            oneMinusMaskTm = mgr.createUninitialized(tmpType, dt, new long[] {nT, mb, 1}, 'c');
            oneMinusMaskTm.assign(fs.maskTm).rsubi(1.0);
            zEff = mgr.createUninitialized(tmpType, dt, new long[] {mb, n}, 'c');
        }
        INDArray scratch = mgr.createUninitialized(tmpType, dt, new long[] {mb, n}, 'c');

        for (long t = 0; t < nT; t++) {
            INDArray g = fs.gates.slice(t);
            INDArray p = fs.rec.slice(t);
            INDArray hPrev = fs.h.slice(t);
            INDArray hNext = fs.h.slice(t + 1);
            if (t > 0 || h0 != null) {
                Nd4j.gemm(hPrev, rw, p, false, false, 1.0, 1.0);
            }

            INDArray gRZ = g.get(all(), interval(0, 2 * n));
            gRZ.addi(p.get(all(), interval(0, 2 * n)));
            if (fs.preAct != null && gateGeneric) {
                fs.preAct.slice(t).get(all(), interval(0, 2 * n)).assign(gRZ);
            }
            gateFn.getActivation(gRZ, training);

            INDArray r = g.get(all(), interval(0, n));
            INDArray z = g.get(all(), interval(n, 2 * n));
            INDArray cand = g.get(all(), interval(2 * n, 3 * n));
            Nd4j.exec(new MulOp(new INDArray[] {r, p.get(all(), interval(2 * n, 3 * n))}, new INDArray[] {scratch}));
            cand.addi(scratch);
            if (fs.preAct != null && actGeneric) {
                fs.preAct.slice(t).get(all(), interval(2 * n, 3 * n)).assign(cand);
            }
            actFn.getActivation(cand, training);

            // h' = n + z ⊙ (h − n). A mask m turns z into z_eff = m·z + (1 − m), which gives
            // h' = m·GRU(x, h) + (1 − m)·h: masked steps carry the state through unchanged.
            INDArray zUse = z;
            if (mask != null) {
                Nd4j.exec(new MulOp(new INDArray[] {z, fs.maskTm.slice(t)}, new INDArray[] {zEff}));
                zEff.addiColumnVector(oneMinusMaskTm.slice(t));
                zUse = zEff;
            }
            Nd4j.exec(new SubOp(new INDArray[] {hPrev, cand}, new INDArray[] {scratch}));
            scratch.muli(zUse);
            Nd4j.exec(new AddOp(new INDArray[] {scratch, cand}, new INDArray[] {hNext}));
        }

        if (withOutput) {
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dt, new long[] {mb, n, nT}, 'f');
            INDArray outTm = out.permute(2, 0, 1);
            INDArray states = fs.h.get(interval(1, nT + 1), all(), all());
            if (mask != null) {
                Nd4j.exec(new MulOp(new INDArray[] {states, fs.maskTm}, new INDArray[] {outTm}));
            } else {
                outTm.assign(states);
            }
            fs.out = permuteIfNWC(out);
        }

        if (training) {
            cachedForward = fs;
        }
        return fs;
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
        ForwardState fs = cachedForward;
        cachedForward = null;
        if (fs == null || !fs.usableFor(input, maskArray)) {
            INDArray h0;
            if (lastForwardInput == input) {
                h0 = lastForwardH0;
            } else {
                h0 = truncated ? stateMap.get(STATE_KEY_PREV_ACTIVATION) : null;
            }
            fs = forward(h0, true, ArrayType.BP_WORKING_MEM, ArrayType.BP_WORKING_MEM, false, mgr);
            cachedForward = null;
        }
        if (truncated) {
            tBpttStateMap.put(STATE_KEY_PREV_ACTIVATION, detachedCopy(fs.lastState()));
        }

        final GRU conf = layerConf();
        final DataType dt = dataType;
        final long n = conf.getNOut();
        final long nT = fs.timeSteps;
        final long mb = fs.x.size(1);
        final long nIn = fs.x.size(2);
        final long end = (truncated && backLength > 0) ? Math.max(0, nT - backLength) : 0;
        final long nR = nT - end; // time steps that receive gradient

        final INDArray w = getParamWithNoise(GRUParamInitializer.INPUT_WEIGHT_KEY, true, mgr);
        final INDArray rw = getParamWithNoise(GRUParamInitializer.RECURRENT_WEIGHT_KEY, true, mgr);
        final INDArray gW = gradientViews.get(GRUParamInitializer.INPUT_WEIGHT_KEY);
        final INDArray gRW = gradientViews.get(GRUParamInitializer.RECURRENT_WEIGHT_KEY);
        final INDArray gB = gradientViews.get(GRUParamInitializer.BIAS_KEY);

        INDArray eps = permuteIfNWC(epsilon).castTo(dt); // [mb, n, T]
        if (eps.rank() != 3 || eps.size(0) != mb || eps.size(1) != n || eps.size(2) != nT) {
            throw new IllegalStateException("GRU layer " + layerId() + ": epsilon has shape "
                    + Arrays.toString(epsilon.shape()) + ", expected the shape of the layer output");
        }

        // e[t] accumulates dL/dh_t: the output gradient (masked like the output) plus, once step t+1 is done,
        // everything flowing back from step t+1.
        INDArray e = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nT, mb, n}, 'c');
        e.assign(eps.permute(2, 0, 1));
        if (fs.maskTm != null) {
            Nd4j.exec(new MulOp(new INDArray[] {e, fs.maskTm}, new INDArray[] {e}));
        }

        // Per-step factors that depend on forward values only, for all steps at once.
        // k1 blocks: [Kn | Kz | zEff], k2 blocks: [Kr | r], so that for dh = e[t]:
        //   dN = dh ⊙ Kn = dL/d(candidate pre-activation), dZ = dh ⊙ Kz, dHz = dh ⊙ zEff (direct path to h_{t-1}),
        //   dR = dN ⊙ Kr, dPn = dN ⊙ r = dL/d(h W'_n + b'_n).
        INDArray gatesR = fs.gates.get(interval(end, nT), all(), all());
        INDArray rGate = gatesR.get(all(), all(), interval(0, n));
        INDArray zGate = gatesR.get(all(), all(), interval(n, 2 * n));
        INDArray nGate = gatesR.get(all(), all(), interval(2 * n, 3 * n));
        INDArray preR = fs.preAct == null ? null : fs.preAct.get(interval(end, nT), all(), all());
        INDArray maskR = fs.maskTm == null ? null : fs.maskTm.get(interval(end, nT), all(), all());

        INDArray k1 = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nR, mb, 3 * n}, 'c');
        INDArray kn = k1.get(all(), all(), interval(0, n));
        INDArray kz = k1.get(all(), all(), interval(n, 2 * n));
        INDArray ke = k1.get(all(), all(), interval(2 * n, 3 * n));
        INDArray k2 = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nR, mb, 2 * n}, 'c');
        INDArray kr = k2.get(all(), all(), interval(0, n));
        INDArray kg = k2.get(all(), all(), interval(n, 2 * n));

        IActivation gateFn = conf.getGateActivationFn();
        IActivation actFn = conf.getActivationFn();
        activationDerivative(actFn, nGate, preR == null ? null : preR.get(all(), all(), interval(2 * n, 3 * n)), kn);
        activationDerivative(gateFn, zGate, preR == null ? null : preR.get(all(), all(), interval(n, 2 * n)), kz);
        activationDerivative(gateFn, rGate, preR == null ? null : preR.get(all(), all(), interval(0, n)), kr);

        // 1 − zEff = m·(1 − z): computed in ke, folded into Kn, then turned into zEff.
        ke.assign(zGate).rsubi(1.0);
        if (maskR != null) {
            Nd4j.exec(new MulOp(new INDArray[] {ke, maskR}, new INDArray[] {ke}));
        }
        kn.muli(ke);
        ke.rsubi(1.0);

        INDArray hPrevR = fs.h.get(interval(end, nT), all(), all());
        INDArray diff = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nR, mb, n}, 'c');
        Nd4j.exec(new SubOp(new INDArray[] {hPrevR, nGate}, new INDArray[] {diff}));
        kz.muli(diff);
        if (maskR != null) {
            Nd4j.exec(new MulOp(new INDArray[] {kz, maskR}, new INDArray[] {kz}));
        }

        kr.muli(fs.rec.get(interval(end, nT), all(), interval(2 * n, 3 * n)));
        kg.assign(rGate);

        // Gradient blocks per step, row layout [dN | dR | dZ | dPn | dHz]: dR..dPn is dL/d(h·RW + b') in RW's
        // column order, contiguous for the recurrent product; dR..dZ then dN give dL/d(x·W + b) block-wise.
        INDArray grads = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nR, mb, 5 * n}, 'c');
        for (long t = nT - 1; t >= end; t--) {
            long i = t - end;
            INDArray row = grads.slice(i);
            INDArray blocks = row.reshape('c', mb, 5, n);
            INDArray dh = e.slice(t).reshape('c', mb, 1, n);
            Nd4j.exec(new MulOp(new INDArray[] {k1.slice(i).reshape('c', mb, 3, n), dh},
                    new INDArray[] {blocks.get(all(), interval(0, 2, 5), all())}));
            Nd4j.exec(new MulOp(new INDArray[] {k2.slice(i).reshape('c', mb, 2, n), blocks.get(all(), interval(0, 1), all())},
                    new INDArray[] {blocks.get(all(), interval(1, 2, 4), all())}));
            if (t > end) {
                INDArray ePrev = e.slice(t - 1);
                ePrev.addi(blocks.get(all(), point(4), all()));
                Nd4j.gemm(row.get(all(), interval(n, 4 * n)), rw, ePrev, false, true, 1.0, 1.0);
            }
        }

        INDArray grads2d = grads.reshape('c', nR * mb, 5 * n);
        INDArray dN = grads2d.get(all(), interval(0, n));
        INDArray dRZ = grads2d.get(all(), interval(n, 3 * n));
        INDArray dRec = grads2d.get(all(), interval(n, 4 * n));
        INDArray x2d = fs.x.get(interval(end, nT), all(), all()).reshape('c', nR * mb, nIn);
        INDArray hPrev2d = hPrevR.reshape('c', nR * mb, n);

        Nd4j.gemm(x2d, dRZ, gW.get(all(), interval(0, 2 * n)), true, false, 1.0, 0.0);
        Nd4j.gemm(x2d, dN, gW.get(all(), interval(2 * n, 3 * n)), true, false, 1.0, 0.0);
        Nd4j.gemm(hPrev2d, dRec, gRW, true, false, 1.0, 0.0);
        gB.get(interval(0, 0, true), interval(0, 2 * n)).assign(dRZ.sum(true, 0));
        gB.get(interval(0, 0, true), interval(2 * n, 3 * n)).assign(dN.sum(true, 0));
        gB.get(interval(0, 0, true), interval(3 * n, 6 * n)).assign(dRec.sum(true, 0));

        INDArray dx2d = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nR * mb, nIn}, 'c');
        Nd4j.gemm(dRZ, w.get(all(), interval(0, 2 * n)), dx2d, false, true, 1.0, 0.0);
        Nd4j.gemm(dN, w.get(all(), interval(2 * n, 3 * n)), dx2d, false, true, 1.0, 1.0);
        INDArray epsOut = end > 0
                ? mgr.create(ArrayType.ACTIVATION_GRAD, dt, new long[] {mb, nIn, nT}, 'f')
                : mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dt, new long[] {mb, nIn, nT}, 'f');
        epsOut.get(all(), all(), interval(end, nT)).assign(dx2d.reshape('c', nR, mb, nIn).permute(1, 2, 0));

        weightNoiseParams.clear();

        Gradient ret = new DefaultGradient(gradientsFlattened);
        ret.gradientForVariable().put(GRUParamInitializer.INPUT_WEIGHT_KEY, gW);
        ret.gradientForVariable().put(GRUParamInitializer.RECURRENT_WEIGHT_KEY, gRW);
        ret.gradientForVariable().put(GRUParamInitializer.BIAS_KEY, gB);

        epsOut = backpropDropOutIfPresent(permuteIfNWC(epsOut));
        return new Pair<>(ret, epsOut);
    }

    /** Writes f'(pre) into {@code out}, from the activation output where that is exact (sigmoid, tanh). */
    private static void activationDerivative(IActivation fn, INDArray post, INDArray pre, INDArray out) {
        if (fn instanceof ActivationSigmoid) {
            Nd4j.exec(new TimesOneMinus(post, out));
        } else if (fn instanceof ActivationTanH) {
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

    @Override
    public void clear() {
        super.clear();
        cachedForward = null;
        lastForwardInput = null;
        lastForwardH0 = null;
    }

    @Override
    public Gradient gradient() {
        throw new UnsupportedOperationException("gradient() (layer-wise pretraining) is not supported by GRU layers "
                + layerId());
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
