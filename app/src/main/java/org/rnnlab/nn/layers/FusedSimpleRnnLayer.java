package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.FusedSimpleRnn;
import org.rnnlab.nn.cpu.SimpleRnnLoops;
import org.rnnlab.nn.cpu.kernel.DirectArray;

import static org.rnnlab.nn.layers.RecurrentArrays.applyActivation;
import static org.rnnlab.nn.layers.RecurrentArrays.assignOrZero;
import static org.rnnlab.nn.layers.RecurrentArrays.derivative;
import static org.rnnlab.nn.layers.RecurrentArrays.detachedCopy;
import static org.rnnlab.nn.layers.RecurrentArrays.fromTimeMajor;
import static org.rnnlab.nn.layers.RecurrentArrays.live;
import static org.rnnlab.nn.layers.RecurrentArrays.markPartialSteps;
import static org.rnnlab.nn.layers.RecurrentArrays.maskedOutput;
import static org.rnnlab.nn.layers.RecurrentArrays.maskedOutputGradient;
import static org.rnnlab.nn.layers.RecurrentArrays.rank3;
import static org.rnnlab.nn.layers.RecurrentArrays.timeMajorInput;
import static org.rnnlab.nn.layers.RecurrentArrays.view;

import java.util.Map;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.params.SimpleRnnParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DL4J layer implementing {@link FusedSimpleRnn}: {@code h_t = act(x_t W + h_{t−1} RW + b)}, with the parameter
 * layout of DL4J's {@code SimpleRnn} and the mask semantics of {@link FusedLstm} (both documented on
 * {@link FusedSimpleRnn}).
 *
 * <h2>Layout and operations</h2>
 * Inside the layer everything is time-major and row-major ('c'), as in {@link FusedLstmLayer} and for the same
 * reasons: ND4J's element-wise ops are much slower on strided views than on contiguous arrays, and every op call
 * costs several microseconds, so the per-step work is kept to a few ops on contiguous [mb, nOut] slabs:
 * <ul>
 *   <li>Forward: the input is viewed (or, if its strides do not allow that, copied once) as X [T·mb, nIn]; the input
 *       projections of all steps are one product {@code Z = X·W + b} [T·mb, nOut]. Per step there is one product
 *       {@code Z_t += h_{t−1}·RW} written in place into Z's slice (so Z ends up holding all pre-activations) and one
 *       activation op {@code h_t = act(Z_t)}; steps where some example is masked add three ops for the state
 *       carry.</li>
 *   <li>Backward: the derivative factors {@code act'(z_t) ⊙ m_t} of all steps are one or two ops up front; per step
 *       there is one element-wise product {@code dz_t = dh_t ⊙ k_t} and one product
 *       {@code dh_{t−1} += dz_t·RWᵀ} (plus two ops at partially masked steps). The parameter gradients are then one
 *       product each over all steps: {@code dW = Xᵀ·dZ}, {@code dRW = H_prevᵀ·dZ}, {@code db = Σ dZ}, and the input
 *       gradient {@code dX = dZ·Wᵀ}.</li>
 * </ul>
 * No per-step allocations: all buffers are allocated once per call through the {@link LayerWorkspaceMgr}.
 * The output [mb, nOut, T] (NCW) is a permuted view of a time-major buffer, which a following fused layer reads
 * without a copy.
 * On the CPU backend, for FLOAT and DOUBLE, the per-step loops run in {@link SimpleRnnLoops} instead (forward:
 * tanh only): Java loops and one direct product per step on the same buffers, split over threads by example for
 * large batches; the ND4J loops described above remain for the rest.
 *
 * <h2>State</h2>
 * {@code rnnTimeStep} keeps the last state in {@code stateMap}, truncated BPTT in {@code tBpttStateMap}, under DL4J's
 * SimpleRnn key {@link #STATE_KEY_PREV_ACTIVATION} (shape [mb, nOut]), so states are interchangeable with DL4J's
 * SimpleRnn. Stored states are copies outside any workspace. {@code activate} always starts from a zero state.
 *
 * <h2>Forward cache, and truncated BPTT</h2>
 * Exactly as in {@link FusedLstmLayer}: a training-mode forward pass keeps its buffers (as ACTIVATIONS) and backprop
 * uses them if nothing invalidated them (same post-dropout input and mask arrays, no other forward pass since, the
 * workspace still open in the same generation); otherwise backprop recomputes the forward pass, from the zero state
 * or for {@code tbpttBackpropGradient} from {@code stateMap}. So in truncated BPTT in a MultiLayerNetwork, which in
 * DL4J 1.0.0-M2.1 calls {@code backpropGradient} after a forward pass from the carried-over state, the gradients are
 * those of the forward pass that produced the loss (DL4J's SimpleRnn recomputes its forward pass from a zero state
 * there, so its gradients ignore the carried state).
 */
public class FusedSimpleRnnLayer extends AbstractRecurrentLayer<FusedSimpleRnn> {

    /** Key of the last state [mb, nOut] in the stored-state maps (the key DL4J's SimpleRnn uses). */
    public static final String STATE_KEY_PREV_ACTIVATION = SimpleRnn.STATE_KEY_PREV_ACTIVATION;

    private static final String W_KEY = SimpleRnnParamInitializer.WEIGHT_KEY;
    private static final String RW_KEY = SimpleRnnParamInitializer.RECURRENT_WEIGHT_KEY;
    private static final String B_KEY = SimpleRnnParamInitializer.BIAS_KEY;

    private ForwardPass cached;

    public FusedSimpleRnnLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Buffers of one forward pass, time-major and row-major, allocated by the pass itself. */
    private static final class ForwardPass {
        INDArray x;        // [T, mb, nIn] input after dropout (possibly a view of the layer input)
        INDArray z;        // [T, mb, n] pre-activations
        INDArray h;        // [T+1, mb, n] states; h[0] is the initial state
        INDArray maskTm;   // [T, mb, 1] feature mask, or null
        boolean[] partial; // per step: true if some example is masked at that step
        boolean hasInitialState;
        INDArray out;      // output in the layer's format, or null if built for backprop only
        INDArray inputRef; // the (post-dropout) layer input this pass was computed from
        INDArray maskRef;  // the mask this pass was computed with
        long steps;
        long mb;

        boolean usableFor(INDArray in, INDArray mask) {
            return inputRef == in && maskRef == mask && live(x) && live(z) && live(h) && live(maskTm);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Forward

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        setInputRank3(workspaceMgr);
        return forward(null, training, training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM, true,
                workspaceMgr).out;
    }

    @Override
    public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        setInputRank3(workspaceMgr);
        ForwardPass fp = forward(stateMap.get(STATE_KEY_PREV_ACTIVATION), false, ArrayType.FF_WORKING_MEM, true,
                workspaceMgr);
        storeLastState(fp, stateMap);
        return fp.out;
    }

    @Override
    public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
                                                LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        setInputRank3(workspaceMgr);
        ForwardPass fp = forward(tBpttStateMap.get(STATE_KEY_PREV_ACTIVATION), training,
                training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM, true, workspaceMgr);
        if (storeLastForTBPTT) {
            storeLastState(fp, tBpttStateMap);
        }
        return fp.out;
    }

    private static void storeLastState(ForwardPass fp, Map<String, INDArray> map) {
        map.put(STATE_KEY_PREV_ACTIVATION, detachedCopy(fp.h.slice(fp.steps)));
    }

    /**
     * Runs the recurrence over the current input.
     *
     * @param h0         initial state [mb, n] or null for zeros; never modified
     * @param keepType   array type of the buffers backprop needs (ACTIVATIONS for a training pass so that they can
     *                   be cached, BP_WORKING_MEM when called from backprop)
     * @param withOutput whether to build the layer output (not needed when called from backprop)
     */
    private ForwardPass forward(INDArray h0, boolean training, ArrayType keepType, boolean withOutput,
                                LayerWorkspaceMgr mgr) {
        // Any forward pass replaces the cache: the input, parameters or state it was computed from may be stale now.
        cached = null;
        assertInputSet(false);
        checkRank3Input();
        applyDropOutIfNecessary(training, mgr);

        final IActivation actFn = layerConf().getActivationFn();
        final DataType dt = dataType;
        final INDArray in = permuteIfNWC(input).castTo(dt); // [mb, nIn, T]
        final long mb = in.size(0);
        final long nIn = in.size(1);
        final long nT = in.size(2);
        final long n = layerConf().getNOut();

        final INDArray w = getParamWithNoise(W_KEY, training, mgr);
        final INDArray rw = getParamWithNoise(RW_KEY, training, mgr);
        final INDArray b = getParamWithNoise(B_KEY, training, mgr);
        checkInputSize(nIn, w.size(0));
        checkState(null, h0, mb, n);
        final INDArray mask = maskArray;
        checkMask(mask, mb, nT);

        ForwardPass fp = new ForwardPass();
        fp.steps = nT;
        fp.mb = mb;
        fp.inputRef = input;
        fp.maskRef = mask;
        fp.hasInitialState = h0 != null;

        fp.x = timeMajorInput(in, mgr, keepType, dt);

        // Input projections of all time steps in one product, plus the bias; each step's recurrent product is then
        // added in place, so that z ends up holding every step's pre-activations (kept for the derivatives of
        // activations that cannot be computed from their output).
        fp.z = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, n}, 'c');
        INDArray z2d = fp.z.reshape('c', nT * mb, n);
        Nd4j.gemm(fp.x.reshape('c', nT * mb, nIn), w, z2d, false, false, 1.0, 0.0);
        z2d.addiRowVector(b);

        fp.h = mgr.createUninitialized(keepType, dt, new long[] {nT + 1, mb, n}, 'c');
        assignOrZero(fp.h.slice(0), h0);

        fp.partial = new boolean[(int) nT];
        if (mask != null) {
            fp.maskTm = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, 1}, 'c');
            fp.maskTm.reshape('c', nT, mb).assign(mask.castTo(dt).transpose());
            markPartialSteps(mask, fp.partial, "FusedSimpleRnn layer " + layerId());
        }

        SimpleRnnLoops loops = SimpleRnnLoops.forPass(dt);
        if (loops != null && loops.coversForward(actFn)) {
            loops.forward(fp.z, rw, fp.h, fp.maskTm, fp.partial, fp.hasInitialState, (int) nT,
                    (int) mb, (int) n);
        } else {
            forwardStepsNd4j(fp, rw, actFn, training);
        }

        if (withOutput) {
            fp.out = maskedOutput(view(fp.h, mb * n, new long[] {nT, mb, n}, null), fp.maskTm, mgr, dt,
                    getDataFormat());
        }

        if (training) {
            cached = fp;
        }
        return fp;
    }

    /** The per-step loop in ND4J ops, for what {@link SimpleRnnLoops} does not cover. */
    private static void forwardStepsNd4j(ForwardPass fp, INDArray rw, IActivation actFn, boolean training) {
        final long nT = fp.steps;
        final long mb = fp.mb;
        final long n = rw.size(0);
        final long slab = mb * n;
        final long[] slabShape = {mb, n};
        for (long t = 0; t < nT; t++) {
            INDArray z = view(fp.z, t * slab, slabShape, null);
            INDArray hPrev = view(fp.h, t * slab, slabShape, null);
            INDArray hNext = view(fp.h, (t + 1) * slab, slabShape, null);
            if (t > 0 || fp.hasInitialState) {
                Nd4j.gemm(hPrev, rw, z, false, false, 1.0, 1.0);
            }
            applyActivation(actFn, z, hNext, training);
            if (fp.partial[(int) t]) {
                // Masked examples keep their state: h = h_prev + m ⊙ (h' − h_prev).
                hNext.subi(hPrev).muliColumnVector(fp.maskTm.slice(t)).addi(hPrev);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Backward

    @Override
    Pair<Gradient, INDArray> backward(INDArray epsilon, boolean truncated, int backLength, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        if (input.rank() == 2) {
            setInputRank3(mgr);
        }
        ForwardPass fp = cached;
        cached = null;
        if (fp == null || !fp.usableFor(input, maskArray)) {
            INDArray h0 = truncated ? stateMap.get(STATE_KEY_PREV_ACTIVATION) : null;
            fp = forward(h0, true, ArrayType.BP_WORKING_MEM, false, mgr);
            cached = null;
        }
        if (truncated) {
            storeLastState(fp, tBpttStateMap);
        }

        final DataType dt = dataType;
        final long n = layerConf().getNOut();
        final long nT = fp.steps;
        final long mb = fp.mb;
        final long nIn = fp.x.size(2);
        final long end = (truncated && backLength > 0) ? Math.max(0, nT - backLength) : 0;
        final long nR = nT - end; // time steps that receive gradient
        final long slab = mb * n;
        final long[] slabShape = {mb, n};
        final long[] stepsShape = {nR, mb, n};

        final INDArray w = getParamWithNoise(W_KEY, true, mgr);
        final INDArray rw = getParamWithNoise(RW_KEY, true, mgr);
        final INDArray gW = gradientViews.get(W_KEY);
        final INDArray gRW = gradientViews.get(RW_KEY);
        final INDArray gB = gradientViews.get(B_KEY);

        epsilon = rank3(epsilon, getDataFormat());
        INDArray eps = permuteIfNWC(epsilon).castTo(dt); // [mb, n, T]
        checkEpsilon(eps, epsilon, mb, n, nT);

        // e[t] accumulates dL/dh_t: the output gradient (masked like the output) plus, once step t+1 is done,
        // everything flowing back from step t+1.
        INDArray e = maskedOutputGradient(eps, fp.maskTm, mgr, dt);

        // Factors of all steps, k = act'(z) ⊙ m, so that dz_t = dh_t ⊙ k_t and masked examples get no gradient at
        // their masked steps. For tanh and sigmoid act' comes from the stored states, which equal act(z) wherever
        // the mask is 1 (elsewhere k is zeroed).
        INDArray k = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, stepsShape, 'c');
        derivative(layerConf().getActivationFn(), view(fp.h, (end + 1) * slab, stepsShape, null),
                view(fp.z, end * slab, stepsShape, null), k);
        if (fp.maskTm != null) {
            INDArray maskR = view(fp.maskTm, end * mb, new long[] {nR, mb, 1}, null);
            Nd4j.exec(new MulOp(new INDArray[] {k, maskR}, new INDArray[] {k}));
        }

        // dZ [nR, mb, n]: dL/dz for the steps that receive gradient, in the row order of X and H_prev.
        INDArray dz = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, stepsShape, 'c');
        SimpleRnnLoops loops = SimpleRnnLoops.forPass(dt);
        if (loops != null) {
            loops.backward(e, k, fp.maskTm, fp.partial, rw, dz, (int) nT, (int) end, (int) mb,
                    (int) n);
        } else {
            backwardStepsNd4j(fp, e, k, rw, dz, end, mgr);
        }

        // Parameter and input gradients: one product each over all steps.
        INDArray dz2d = dz.reshape('c', nR * mb, n);
        INDArray x2d = view(fp.x, end * mb * nIn, new long[] {nR * mb, nIn}, null);
        INDArray hPrev2d = view(fp.h, end * slab, new long[] {nR * mb, n}, null);
        Nd4j.gemm(x2d, dz2d, gW, true, false, 1.0, 0.0);
        Nd4j.gemm(hPrev2d, dz2d, gRW, true, false, 1.0, 0.0);
        // The sum has shape [n]; written through a rank-1 view whatever the rank of the bias gradient view.
        if (!DirectArray.columnSums(dz2d, gB)) {
            dz2d.sum(gB.reshape(n), 0);
        }

        INDArray epsTm = end > 0
                ? mgr.create(ArrayType.ACTIVATION_GRAD, dt, new long[] {nT, mb, nIn}, 'c')
                : mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dt, new long[] {nT, mb, nIn}, 'c');
        INDArray dx2d = view(epsTm, end * mb * nIn, new long[] {nR * mb, nIn}, null);
        Nd4j.gemm(dz2d, w, dx2d, false, true, 1.0, 0.0);

        weightNoiseParams.clear();

        Gradient ret = new DefaultGradient(gradientsFlattened);
        ret.gradientForVariable().put(W_KEY, gW);
        ret.gradientForVariable().put(RW_KEY, gRW);
        ret.gradientForVariable().put(B_KEY, gB);

        INDArray epsOut = fromTimeMajor(epsTm, getDataFormat());
        epsOut = backpropDropOutIfPresent(epsOut);
        return new Pair<>(ret, epsOut);
    }

    /**
     * The backward per-step loop in ND4J ops, for what {@link SimpleRnnLoops} does not cover: fills
     * {@code dz} [nR, mb, n] from {@code e} and the factors {@code k}; {@code e} receives the gradients flowing back.
     */
    private void backwardStepsNd4j(ForwardPass fp, INDArray e, INDArray k, INDArray rw, INDArray dz, long end,
                                   LayerWorkspaceMgr mgr) {
        final DataType dt = dataType;
        final long nT = fp.steps;
        final long mb = fp.mb;
        final long n = rw.size(0);
        final long slab = mb * n;
        final long[] slabShape = {mb, n};
        INDArray oneMinusM = null;
        INDArray tmp = null;
        if (fp.maskTm != null) {
            oneMinusM = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nT, mb, 1}, 'c');
            oneMinusM.assign(fp.maskTm).rsubi(1.0);
            tmp = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, slabShape, 'c');
        }
        for (long t = nT - 1; t >= end; t--) {
            long i = t - end;
            INDArray eT = view(e, t * slab, slabShape, null);
            INDArray dzT = view(dz, i * slab, slabShape, null);
            Nd4j.exec(new MulOp(new INDArray[] {eT, view(k, i * slab, slabShape, null)}, new INDArray[] {dzT}));
            if (t > end) {
                INDArray ePrev = view(e, (t - 1) * slab, slabShape, null);
                if (fp.partial[(int) t]) {
                    // Masked examples pass the gradient of their carried state straight to the previous step.
                    Nd4j.exec(new MulOp(new INDArray[] {eT, oneMinusM.slice(t)}, new INDArray[] {tmp}));
                    ePrev.addi(tmp);
                }
                Nd4j.gemm(dzT, rw, ePrev, false, true, 1.0, 1.0);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    @Override
    String kind() {
        return "FusedSimpleRnn";
    }

    @Override
    boolean loopsUseAllThreads(int miniBatch) {
        SimpleRnnLoops loops = SimpleRnnLoops.forPass(dataType);
        return loops != null && loops.coversForward(layerConf().getActivationFn()) && loops.usesAllThreads(miniBatch);
    }

    @Override
    void dropForwardCache() {
        cached = null;
    }
}
