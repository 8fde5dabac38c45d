package org.rnnlab.nn.layers;

import org.rnnlab.nn.RecurrentWeightDrop;

import org.rnnlab.nn.Gru;
import org.rnnlab.nn.params.GruParamInitializer;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;
import static org.rnnlab.nn.layers.RecurrentArrays.derivative;
import static org.rnnlab.nn.layers.RecurrentArrays.detachedCopy;
import static org.rnnlab.nn.layers.RecurrentArrays.live;
import static org.rnnlab.nn.layers.RecurrentArrays.rank3;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DL4J layer implementing {@link Gru} (equations, gate order and bias layout are documented there).
 *
 * <p>Data layout. Per time step the layer works on transposed, feature-major blocks: a step's gates are a
 * contiguous row-major [3n, mb] array whose gate blocks r, z, n are contiguous [n, mb] row ranges, and a state is
 * a contiguous [n, mb] array. ND4J's element-wise ops run several times faster on such contiguous arrays than on
 * column-block views of an [mb, 3n] array. Buffers for all time steps are [T, features, mb]; the states buffer
 * [T+1, n, mb] has the memory layout of DL4J's NCW activations. The input projection of all time steps is one
 * [T·mb, nIn] × [nIn, 3n] product (input copied time-major to [T, mb, nIn]) followed by one transposing copy; each
 * step then does one [3n, n] × [n, mb] product and a handful of in-place element-wise ops. Backprop does, per time
 * step, one [n, 3n] × [3n, mb] product and three element-wise ops; activation derivatives, weight, bias and input
 * gradients are computed for all time steps at once (after one transposing copy of the step gradients).
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
 * the following backprop does not recompute them; not when activations are outside workspaces but working memory
 * is not ({@code MultiLayerNetwork.score(data, true)}). Backprop uses the cache only if no other forward pass ran
 * since, the layer input and mask are the same arrays, and the cache's workspace is still open in the same
 * generation; otherwise it recomputes the forward pass, as DL4J's LSTM always does. {@link #clear()} drops it.
 */
public class GruLayer extends AbstractRecurrentLayer<Gru> {

    private static final long serialVersionUID = 1L;

    /** Key of the hidden state [minibatch, nOut] in the stored-state maps (same key as DL4J's LSTM/SimpleRnn). */
    public static final String STATE_KEY_PREV_ACTIVATION = "prevAct";

    private transient ForwardState cachedForward;
    // Initial state of the latest forward pass and the input it ran on: a backprop that has to recompute the forward
    // pass starts from the same state, whichever entry point (activate, rnnActivateUsingStoredState) ran it.
    private transient INDArray lastForwardInput;
    private transient INDArray lastForwardH0;

    public GruLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Buffers of one forward pass, all allocated by the pass itself. */
    private static final class ForwardState {
        INDArray x;        // [T, mb, nIn] input (after dropout), time-major
        INDArray gates;    // [T, 3n, mb] post-activation r, z, n
        INDArray preAct;   // [T, 3n, mb] pre-activations; only for activations without a derivative-from-output
        INDArray rec;      // [T, 3n, mb] RW^T·h_{t-1} + b' (the n block is needed by backprop)
        INDArray h;        // [T+1, n, mb] carried states; h[0] is the initial state
        INDArray maskTm;   // [T, 1, mb] feature mask, or null
        INDArray out;      // layer output in the layer's data format (null when computed for backprop only)
        INDArray inputRef; // identity of the layer input this was computed from
        INDArray maskRef;  // identity of the mask this was computed with
        long timeSteps;

        /** Final state as [mb, n] (a view). */
        INDArray lastState() {
            return h.slice(timeSteps).transpose();
        }

        boolean usableFor(INDArray input, INDArray mask) {
            return inputRef == input && maskRef == mask && live(x) && live(gates) && live(rec) && live(h)
                    && live(maskTm) && live(preAct);
        }
    }

    private static boolean derivativeFromOutput(IActivation fn) {
        return fn instanceof ActivationSigmoid || fn instanceof ActivationTanH;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Forward

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return forwardForOutput(null, training, workspaceMgr).out;
    }

    @Override
    public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        setInput(rank3(input, getDataFormat()), workspaceMgr);
        ForwardState fs = forwardForOutput(stateMap.get(STATE_KEY_PREV_ACTIVATION), false, workspaceMgr);
        stateMap.put(STATE_KEY_PREV_ACTIVATION, detachedCopy(fs.lastState()));
        return fs.out;
    }

    @Override
    public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
                                                LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        ForwardState fs = forwardForOutput(tBpttStateMap.get(STATE_KEY_PREV_ACTIVATION), training, workspaceMgr);
        if (storeLastForTBPTT) {
            tBpttStateMap.put(STATE_KEY_PREV_ACTIVATION, detachedCopy(fs.lastState()));
        }
        return fs.out;
    }

    private ForwardState forwardForOutput(INDArray h0, boolean training, LayerWorkspaceMgr mgr) {
        boolean cache = training
                // Activations outside workspaces while working memory is in one: MultiLayerNetwork.score(data, true),
                // a pass not followed by backprop, where caching would trade workspace memory for fresh allocations.
                && (!mgr.isScopedOut(ArrayType.ACTIVATIONS) || mgr.isScopedOut(ArrayType.FF_WORKING_MEM));
        return forward(h0, training, cache, cache ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM,
                ArrayType.FF_WORKING_MEM, true, mgr);
    }

    /**
     * Runs the recurrence over the current input.
     *
     * @param h0         initial state [mb, n], or null for zeros; never modified
     * @param cache      keep the buffers for the next backprop
     * @param keepType   array type of the buffers backprop needs (ACTIVATIONS when cached, so they live until
     *                   backprop; BP_WORKING_MEM when called from backprop)
     * @param tmpType    array type of scratch arrays
     * @param withOutput whether to build the layer output (not needed when called from backprop)
     */
    private ForwardState forward(INDArray h0, boolean training, boolean cache, ArrayType keepType,
                                 ArrayType tmpType, boolean withOutput, LayerWorkspaceMgr mgr) {
        // Any forward pass replaces the cache: the input, params or state it was computed from may be stale now.
        cachedForward = null;
        assertInputSet(false);
        checkRank3Input();
        applyDropOutIfNecessary(training, mgr);
        lastForwardInput = input;
        lastForwardH0 = h0;

        final Gru conf = layerConf();
        final IActivation gateFn = conf.getGateActivationFn();
        final IActivation actFn = conf.getActivationFn();
        final DataType dt = dataType;
        final INDArray in = permuteIfNWC(input).castTo(dt); // [mb, nIn, T]
        final long mb = in.size(0);
        final long nIn = in.size(1);
        final long nT = in.size(2);
        final long n = conf.getNOut();

        final INDArray w = getParamWithNoise(GruParamInitializer.INPUT_WEIGHT_KEY, training, mgr);
        final INDArray rw = getParamWithNoise(GruParamInitializer.RECURRENT_WEIGHT_KEY, training, mgr);
        final INDArray b = getParamWithNoise(GruParamInitializer.BIAS_KEY, training, mgr);
        checkInputSize(nIn, w.size(0));
        checkState(null, h0, mb, n);
        final INDArray mask = maskArray;
        checkMask(mask, mb, nT);

        ForwardState fs = new ForwardState();
        fs.timeSteps = nT;
        fs.inputRef = input;
        fs.maskRef = mask;

        fs.x = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, nIn}, 'c');
        fs.x.assign(in.permute(2, 0, 1));

        // Input projection of all time steps in one product, plus the input-side biases, then transposed per step.
        INDArray proj = mgr.createUninitialized(tmpType, dt, new long[] {nT * mb, 3 * n}, 'c');
        Nd4j.gemm(fs.x.reshape('c', nT * mb, nIn), w, proj, false, false, 1.0, 0.0);
        proj.addiRowVector(b.get(interval(0, 0, true), interval(0, 3 * n)));
        fs.gates = mgr.createUninitialized(keepType, dt, new long[] {nT, 3 * n, mb}, 'c');
        fs.gates.assign(proj.reshape('c', nT, mb, 3 * n).permute(0, 2, 1));

        // Recurrent products accumulate (beta = 1) onto the recurrent-side biases, which are written once here.
        fs.rec = mgr.create(keepType, dt, new long[] {nT, 3 * n, mb}, 'c');
        INDArray bRec = b.get(interval(0, 0, true), interval(3 * n, 6 * n)).reshape('c', 1, 3 * n, 1);
        Nd4j.exec(new AddOp(new INDArray[] {fs.rec, bRec}, new INDArray[] {fs.rec}));

        fs.h = mgr.createUninitialized(keepType, dt, new long[] {nT + 1, n, mb}, 'c');
        if (h0 == null) {
            fs.h.slice(0).assign(0);
        } else {
            fs.h.slice(0).assign(h0.transpose());
        }

        boolean gateGeneric = !derivativeFromOutput(gateFn);
        boolean actGeneric = !derivativeFromOutput(actFn);
        if (training && (gateGeneric || actGeneric)) {
            fs.preAct = mgr.createUninitialized(keepType, dt, new long[] {nT, 3 * n, mb}, 'c');
        }

        INDArray oneMinusMaskTm = null;
        INDArray zEff = null;
        if (mask != null) {
            fs.maskTm = mgr.createUninitialized(keepType, dt, new long[] {nT, 1, mb}, 'c');
            fs.maskTm.reshape('c', nT, mb).assign(mask.castTo(dt).transpose());
            oneMinusMaskTm = mgr.createUninitialized(tmpType, dt, new long[] {nT, 1, mb}, 'c');
            oneMinusMaskTm.assign(fs.maskTm).rsubi(1.0);
            zEff = mgr.createUninitialized(tmpType, dt, new long[] {n, mb}, 'c');
        }
        INDArray scratch = mgr.createUninitialized(tmpType, dt, new long[] {n, mb}, 'c');

        for (long t = 0; t < nT; t++) {
            INDArray p = fs.rec.slice(t);
            INDArray hPrev = fs.h.slice(t);
            INDArray hNext = fs.h.slice(t + 1);
            if (t > 0 || h0 != null) {
                Nd4j.gemm(rw, hPrev, p, true, false, 1.0, 1.0);
            }

            INDArray gRZ = fs.gates.get(point(t), interval(0, 2 * n), all());
            gRZ.addi(fs.rec.get(point(t), interval(0, 2 * n), all()));
            if (fs.preAct != null && gateGeneric) {
                fs.preAct.get(point(t), interval(0, 2 * n), all()).assign(gRZ);
            }
            gateFn.getActivation(gRZ, training);

            INDArray r = fs.gates.get(point(t), interval(0, n), all());
            INDArray z = fs.gates.get(point(t), interval(n, 2 * n), all());
            INDArray cand = fs.gates.get(point(t), interval(2 * n, 3 * n), all());
            Nd4j.exec(new MulOp(new INDArray[] {r, fs.rec.get(point(t), interval(2 * n, 3 * n), all())},
                    new INDArray[] {scratch}));
            cand.addi(scratch);
            if (fs.preAct != null && actGeneric) {
                fs.preAct.get(point(t), interval(2 * n, 3 * n), all()).assign(cand);
            }
            actFn.getActivation(cand, training);

            // h' = n + z ⊙ (h − n). A mask m turns z into z_eff = m·z + (1 − m), which gives
            // h' = m·Gru(x, h) + (1 − m)·h: masked steps carry the state through unchanged.
            INDArray zUse = z;
            if (mask != null) {
                Nd4j.exec(new MulOp(new INDArray[] {z, fs.maskTm.slice(t)}, new INDArray[] {zEff}));
                zEff.addiRowVector(oneMinusMaskTm.slice(t));
                zUse = zEff;
            }
            Nd4j.exec(new SubOp(new INDArray[] {hPrev, cand}, new INDArray[] {scratch}));
            scratch.muli(zUse);
            Nd4j.exec(new AddOp(new INDArray[] {scratch, cand}, new INDArray[] {hNext}));
        }

        if (withOutput) {
            // 'f' [mb, n, T] has the memory layout of [T, n, mb]: the copy below is contiguous on both sides.
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dt, new long[] {mb, n, nT}, 'f');
            INDArray outTm = out.permute(2, 1, 0);
            INDArray states = fs.h.get(interval(1, nT + 1), all(), all());
            if (mask != null) {
                Nd4j.exec(new MulOp(new INDArray[] {states, fs.maskTm}, new INDArray[] {outTm}));
            } else {
                outTm.assign(states);
            }
            fs.out = permuteIfNWC(out);
        }

        if (cache) {
            cachedForward = fs;
        }
        return fs;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Backward

    @Override
    Pair<Gradient, INDArray> backward(INDArray epsilon, boolean truncated, int backLength, LayerWorkspaceMgr mgr) {
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
            fs = forward(h0, true, false, ArrayType.BP_WORKING_MEM, ArrayType.BP_WORKING_MEM, false, mgr);
        }
        if (truncated) {
            tBpttStateMap.put(STATE_KEY_PREV_ACTIVATION, detachedCopy(fs.lastState()));
        }

        final Gru conf = layerConf();
        final DataType dt = dataType;
        final long n = conf.getNOut();
        final long nT = fs.timeSteps;
        final long mb = fs.x.size(1);
        final long nIn = fs.x.size(2);
        final long end = (truncated && backLength > 0) ? Math.max(0, nT - backLength) : 0;
        final long nR = nT - end; // time steps that receive gradient
        final ArrayType work = ArrayType.BP_WORKING_MEM;

        final INDArray w = getParamWithNoise(GruParamInitializer.INPUT_WEIGHT_KEY, true, mgr);
        final INDArray rw = getParamWithNoise(GruParamInitializer.RECURRENT_WEIGHT_KEY, true, mgr);
        final INDArray gW = gradientViews.get(GruParamInitializer.INPUT_WEIGHT_KEY);
        final INDArray gRW = gradientViews.get(GruParamInitializer.RECURRENT_WEIGHT_KEY);
        final INDArray gB = gradientViews.get(GruParamInitializer.BIAS_KEY);

        INDArray eps = permuteIfNWC(epsilon).castTo(dt); // [mb, n, T]
        checkEpsilon(eps, epsilon, mb, n, nT);

        // e[t] ([n, mb]) accumulates dL/dh_t: the output gradient (masked like the output) plus, once step t+1 is
        // done, everything flowing back from step t+1.
        INDArray e = mgr.createUninitialized(work, dt, new long[] {nT, n, mb}, 'c');
        e.assign(eps.permute(2, 1, 0));
        if (fs.maskTm != null) {
            Nd4j.exec(new MulOp(new INDArray[] {e, fs.maskTm}, new INDArray[] {e}));
        }

        // Per-step factors that depend on forward values only, for all steps at once; with dh = e[t]:
        //   dZ = dh ⊙ Kz, dN = dh ⊙ Kn (dL/d candidate pre-activation), dHz = dh ⊙ zEff (direct path to h_{t-1}),
        //   dPn = dN ⊙ r (dL/d(RW'_n^T h + b'_n)), dR = dN ⊙ Kr.
        // k1 rows [Kz | Kn | zEff] and k2 rows [r | Kr] line up with the gradient rows below.
        INDArray gatesR = fs.gates.get(interval(end, nT), all(), all());
        INDArray rGate = gatesR.get(all(), interval(0, n), all());
        INDArray zGate = gatesR.get(all(), interval(n, 2 * n), all());
        INDArray nGate = gatesR.get(all(), interval(2 * n, 3 * n), all());
        INDArray preR = fs.preAct == null ? null : fs.preAct.get(interval(end, nT), all(), all());
        INDArray maskR = fs.maskTm == null ? null : fs.maskTm.get(interval(end, nT), all(), all());

        INDArray k1 = mgr.createUninitialized(work, dt, new long[] {nR, 3 * n, mb}, 'c');
        INDArray kz = k1.get(all(), interval(0, n), all());
        INDArray kn = k1.get(all(), interval(n, 2 * n), all());
        INDArray ke = k1.get(all(), interval(2 * n, 3 * n), all());
        INDArray k2 = mgr.createUninitialized(work, dt, new long[] {nR, 2 * n, mb}, 'c');
        INDArray kg = k2.get(all(), interval(0, n), all());
        INDArray kr = k2.get(all(), interval(n, 2 * n), all());

        IActivation gateFn = conf.getGateActivationFn();
        IActivation actFn = conf.getActivationFn();
        derivative(actFn, nGate, preR == null ? null : preR.get(all(), interval(2 * n, 3 * n), all()), kn);
        derivative(gateFn, zGate, preR == null ? null : preR.get(all(), interval(n, 2 * n), all()), kz);
        derivative(gateFn, rGate, preR == null ? null : preR.get(all(), interval(0, n), all()), kr);

        // 1 − zEff = m·(1 − z): computed in ke, folded into Kn, then turned into zEff.
        ke.assign(zGate).rsubi(1.0);
        if (maskR != null) {
            Nd4j.exec(new MulOp(new INDArray[] {ke, maskR}, new INDArray[] {ke}));
        }
        kn.muli(ke);
        ke.rsubi(1.0);

        INDArray hPrevR = fs.h.get(interval(end, nT), all(), all());
        INDArray diff = mgr.createUninitialized(work, dt, new long[] {nR, n, mb}, 'c');
        Nd4j.exec(new SubOp(new INDArray[] {hPrevR, nGate}, new INDArray[] {diff}));
        kz.muli(diff);
        if (maskR != null) {
            Nd4j.exec(new MulOp(new INDArray[] {kz, maskR}, new INDArray[] {kz}));
        }

        kr.muli(fs.rec.get(interval(end, nT), interval(2 * n, 3 * n), all()));
        kg.assign(rGate);

        // Step gradients, rows [dPn | dR | dZ | dN | dHz] (each [n, mb]). Rows 0..3n are dL/d(RW^T h + b') with the
        // gate blocks in order n, r, z: one product with RW's column blocks in that order sends them to h_{t-1}.
        INDArray rwNrz = mgr.createUninitialized(work, dt, new long[] {n, 3 * n}, 'f');
        rwNrz.get(all(), interval(0, n)).assign(rw.get(all(), interval(2 * n, 3 * n)));
        rwNrz.get(all(), interval(n, 3 * n)).assign(rw.get(all(), interval(0, 2 * n)));

        INDArray grads = mgr.createUninitialized(work, dt, new long[] {nR, 5 * n, mb}, 'c');
        INDArray grads4 = grads.reshape('c', nR, 5, n, mb);
        INDArray k1By3 = k1.reshape('c', nR, 3, n, mb);
        INDArray k2By2 = k2.reshape('c', nR, 2, n, mb);
        INDArray eBy1 = e.reshape('c', nT, 1, n, mb);
        for (long t = nT - 1; t >= end; t--) {
            long i = t - end;
            Nd4j.exec(new MulOp(new INDArray[] {k1By3.slice(i), eBy1.slice(t)},
                    new INDArray[] {grads4.get(point(i), interval(2, 5), all(), all())}));
            Nd4j.exec(new MulOp(new INDArray[] {k2By2.slice(i), grads4.get(point(i), interval(3, 4), all(), all())},
                    new INDArray[] {grads4.get(point(i), interval(0, 2), all(), all())}));
            if (t > end) {
                INDArray ePrev = e.slice(t - 1);
                ePrev.addi(grads.get(point(i), interval(4 * n, 5 * n), all()));
                Nd4j.gemm(rwNrz, grads.get(point(i), interval(0, 3 * n), all()), ePrev, false, false, 1.0, 1.0);
            }
        }

        // Everything else over all steps at once, on [T·mb, ·] matrices (rows = time step, example).
        INDArray g2d = mgr.createUninitialized(work, dt, new long[] {nR * mb, 5 * n}, 'c');
        g2d.reshape('c', nR, mb, 5 * n).assign(grads.permute(0, 2, 1));
        INDArray h2d = mgr.createUninitialized(work, dt, new long[] {nR * mb, n}, 'c');
        h2d.reshape('c', nR, mb, n).assign(hPrevR.permute(0, 2, 1));
        INDArray dPn = g2d.get(all(), interval(0, n));
        INDArray dRZ = g2d.get(all(), interval(n, 3 * n));
        INDArray dN = g2d.get(all(), interval(3 * n, 4 * n));
        INDArray x2d = fs.x.get(interval(end, nT), all(), all()).reshape('c', nR * mb, nIn);

        Nd4j.gemm(x2d, dRZ, gW.get(all(), interval(0, 2 * n)), true, false, 1.0, 0.0);
        Nd4j.gemm(x2d, dN, gW.get(all(), interval(2 * n, 3 * n)), true, false, 1.0, 0.0);
        Nd4j.gemm(h2d, dRZ, gRW.get(all(), interval(0, 2 * n)), true, false, 1.0, 0.0);
        Nd4j.gemm(h2d, dPn, gRW.get(all(), interval(2 * n, 3 * n)), true, false, 1.0, 0.0);
        INDArray sums = g2d.sum(true, 0); // [1, 5n]
        INDArray sumRZ = sums.get(interval(0, 0, true), interval(n, 3 * n));
        gB.get(interval(0, 0, true), interval(0, 2 * n)).assign(sumRZ);
        gB.get(interval(0, 0, true), interval(2 * n, 3 * n))
                .assign(sums.get(interval(0, 0, true), interval(3 * n, 4 * n)));
        gB.get(interval(0, 0, true), interval(3 * n, 5 * n)).assign(sumRZ);
        gB.get(interval(0, 0, true), interval(5 * n, 6 * n)).assign(sums.get(interval(0, 0, true), interval(0, n)));

        INDArray dx2d = mgr.createUninitialized(work, dt, new long[] {nR * mb, nIn}, 'c');
        Nd4j.gemm(dRZ, w.get(all(), interval(0, 2 * n)), dx2d, false, true, 1.0, 0.0);
        Nd4j.gemm(dN, w.get(all(), interval(2 * n, 3 * n)), dx2d, false, true, 1.0, 1.0);
        INDArray epsOut = end > 0
                ? mgr.create(ArrayType.ACTIVATION_GRAD, dt, new long[] {mb, nIn, nT}, 'f')
                : mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dt, new long[] {mb, nIn, nT}, 'f');
        epsOut.get(all(), all(), interval(end, nT)).assign(dx2d.reshape('c', nR, mb, nIn).permute(1, 2, 0));

        // The gradient of the recurrent weights themselves, if a pass mask dropped some (DropConnect).
        RecurrentWeightDrop.maskGradient(layerConf().getWeightNoise(), gRW);
        weightNoiseParams.clear();

        Gradient ret = new DefaultGradient(gradientsFlattened);
        ret.gradientForVariable().put(GruParamInitializer.INPUT_WEIGHT_KEY, gW);
        ret.gradientForVariable().put(GruParamInitializer.RECURRENT_WEIGHT_KEY, gRW);
        ret.gradientForVariable().put(GruParamInitializer.BIAS_KEY, gB);

        epsOut = backpropDropOutIfPresent(permuteIfNWC(epsOut));
        return new Pair<>(ret, epsOut);
    }

    // ---------------------------------------------------------------------------------------------------------

    @Override
    String kind() {
        return "GRU";
    }

    @Override
    void dropForwardCache() {
        cachedForward = null;
        lastForwardInput = null;
        lastForwardH0 = null;
    }

    /** Keeps DL4J's default: the incoming mask state is passed on with the mask. */
    @Override
    boolean maskPassthrough() {
        return false;
    }
}
