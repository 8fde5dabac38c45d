package org.rnnlab.nn.layers;

import org.rnnlab.nn.RecurrentWeightDrop;

import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.SparseSoftmaxOutput;
import org.rnnlab.nn.cpu.LstmLoops;
import org.rnnlab.nn.cpu.kernel.DirectArray;
import org.rnnlab.nn.params.FusedLstmParamInitializer;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
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
import org.nd4j.linalg.api.ops.impl.transforms.same.TimesOneMinus;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DL4J layer implementing {@link FusedLstm} (equations, gate order and mask semantics are documented there).
 *
 * <h2>Layout and operations</h2>
 * Inside the layer everything is time-major and row-major ('c'). ND4J runs element-wise ops on strided views several
 * times slower than on contiguous arrays (same-shape pairwise ops up to 30x; broadcasts and copies are not affected),
 * and every op call costs several microseconds, so the layouts are chosen to keep the per-step ops few and contiguous:
 * <ul>
 *   <li>Forward: the input is viewed (or, if its strides do not allow that, copied once) as X [T·mb, nIn]; the input
 *       projections of all steps are one product {@code Z = X·W + b} [T·mb, 4n]. Per step there is one product
 *       {@code Z_t += h_{t−1}·RW} written in place into Z's slice (so Z ends up holding all pre-activations), two
 *       activation ops that read Z_t's column blocks and write the gates into a block-major [4, T, mb, n] buffer,
 *       and five element-wise ops on contiguous [mb, n] slabs for the cell and the output.</li>
 *   <li>Backward: the derivative factors of all steps are computed up front on contiguous [T, mb, n] blocks; per step
 *       there are four element-wise ops, each a broadcast of one [mb, n] operand over a pair of gate blocks, and one
 *       product {@code dh_{t−1} += dZ_t·RWᵀ}. The parameter gradients are then one product each over all steps:
 *       {@code dW = Xᵀ·dZ}, {@code dRW = H_prevᵀ·dZ}, {@code db = Σ dZ}, and the input gradient
 *       {@code dX = dZ·Wᵀ}.</li>
 * </ul>
 * No per-step allocations: all buffers are allocated once per call through the {@link LayerWorkspaceMgr}.
 * The output [mb, nOut, T] (NCW) is a permuted view of a time-major buffer; a following {@code FusedLstm} or
 * {@link SparseSoftmaxOutput} reads it without a copy.
 * On the CPU backend, for FLOAT and DOUBLE and the default activations (sigmoid gates, tanh), both per-step loops run
 * in {@link LstmLoops} instead: Java loops over the cells and one direct product per step on the same buffers,
 * without ND4J's per-op dispatch; the ND4J loops described above remain for other activations, types and backends.
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
public class FusedLstmLayer extends AbstractRecurrentLayer<FusedLstm> {

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
        INDArray xw;       // [T, mb, 4n] pre-activations z, column blocks a | f | o | g
        INDArray ga;       // [4, T, mb, n] activated gates a, f, o, g, block-major
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
            return inputRef == in && maskRef == mask && live(x) && live(xw) && live(ga) && live(h) && live(c)
                    && live(tc) && live(maskTm);
        }
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
        checkRank3Input();
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
        checkInputSize(nIn, w.size(0));
        checkState("output", h0, mb, n);
        checkState("cell", c0, mb, n);
        final INDArray mask = maskArray;
        checkMask(mask, mb, nT);

        ForwardPass fp = new ForwardPass();
        fp.steps = nT;
        fp.mb = mb;
        fp.inputRef = input;
        fp.maskRef = mask;
        fp.hasInitialState = h0 != null || c0 != null;

        fp.x = timeMajorInput(in, mgr, keepType, dt);

        // Input projections of all time steps in one product, plus the biases. The ND4J loops add each step's
        // recurrent product in place, so that xw ends up holding every step's pre-activations z [T, mb, 4n] for their
        // backward pass; the direct loops use it as working memory.
        fp.xw = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, 4 * n}, 'c');
        INDArray xw2d = fp.xw.reshape('c', nT * mb, 4 * n);
        Nd4j.gemm(fp.x.reshape('c', nT * mb, nIn), w, xw2d, false, false, 1.0, 0.0);
        xw2d.addiRowVector(b);

        // Activated gates, block-major [4, T, mb, n]: every (gate, step) slab is contiguous, and so is every gate
        // over all steps. ND4J's element-wise ops on strided views are several times slower than on contiguous
        // arrays (pairwise ops up to 30x), so the activations write the gates out of z's interleaved rows into
        // this layout, and all later element-wise work runs on contiguous slabs.
        fp.ga = mgr.createUninitialized(keepType, dt, new long[] {4, nT, mb, n}, 'c');
        fp.h = mgr.createUninitialized(keepType, dt, new long[] {nT + 1, mb, n}, 'c');
        fp.c = mgr.createUninitialized(keepType, dt, new long[] {nT + 1, mb, n}, 'c');
        assignOrZero(fp.h.slice(0), h0);
        assignOrZero(fp.c.slice(0), c0);
        fp.tc = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, n}, 'c');

        fp.partial = new boolean[(int) nT];
        if (mask != null) {
            fp.maskTm = mgr.createUninitialized(keepType, dt, new long[] {nT, mb, 1}, 'c');
            fp.maskTm.reshape('c', nT, mb).assign(mask.castTo(dt).transpose());
            markPartialSteps(mask, fp.partial, "FusedLstm layer " + layerId());
        }
        LstmLoops loops = LstmLoops.forPass(gateFn, actFn, dt);
        if (loops != null) {
            loops.forward(fp.xw, rw, fp.ga, fp.h, fp.c, fp.tc, fp.maskTm, fp.partial, fp.hasInitialState,
                    (int) nT, (int) mb, (int) n);
        } else {
            forwardStepsNd4j(fp, rw, gateFn, actFn, training, tmpType, mgr);
        }

        if (withOutput) {
            fp.out = maskedOutput(fp.h.get(interval(1, nT + 1), all(), all()), fp.maskTm, mgr, dt, getDataFormat());
        }

        if (training) {
            cached = fp;
        }
        return fp;
    }

    @Override
    boolean loopsUseAllThreads(int miniBatch) {
        // With RecurrentParallel's default threshold, also for the float path (LstmArrayPass), which splits smaller
        // layers (PTB small's 200 units) while OpenBLAS has its threads: there the output layer keeps overlapping
        // its weight gradient with this layer's backward loop, which then runs on one thread.
        FusedLstm conf = layerConf();
        LstmLoops loops = LstmLoops.forPass(conf.getGateActivationFn(), conf.getActivationFn(), dataType);
        return loops != null && loops.usesAllThreads(miniBatch, (int) conf.getNOut());
    }

    /** The per-step loop in ND4J ops, for what {@link LstmLoops} does not cover. */
    private void forwardStepsNd4j(ForwardPass fp, INDArray rw, IActivation gateFn, IActivation actFn,
                                  boolean training, ArrayType tmpType, LayerWorkspaceMgr mgr) {
        final long nT = fp.steps;
        final long mb = fp.mb;
        final long n = layerConf().getNOut();
        INDArray scratch = mgr.createUninitialized(tmpType, dataType, new long[] {mb, n}, 'c');

        final long slab = mb * n;
        final long[] slabShape = {mb, n};
        for (long t = 0; t < nT; t++) {
            INDArray z = view(fp.xw, t * mb * 4 * n, new long[] {mb, 4 * n}, new long[] {4 * n, 1});
            INDArray hPrev = view(fp.h, t * slab, slabShape, null);
            INDArray cPrev = view(fp.c, t * slab, slabShape, null);
            INDArray hNext = view(fp.h, (t + 1) * slab, slabShape, null);
            INDArray cNext = view(fp.c, (t + 1) * slab, slabShape, null);
            boolean prevNonZero = t > 0 || fp.hasInitialState;
            if (prevNonZero) {
                Nd4j.gemm(hPrev, rw, z, false, false, 1.0, 1.0);
            }
            // f, o, g in one op: z's column blocks 1..3 as [3, mb, n] into the gate slabs of step t.
            applyActivation(gateFn, view(fp.xw, t * mb * 4 * n + n, new long[] {3, mb, n}, new long[] {n, 4 * n, 1}),
                    view(fp.ga, (nT + t) * slab, new long[] {3, mb, n}, new long[] {nT * slab, n, 1}), training);
            INDArray a = view(fp.ga, t * slab, slabShape, null);
            applyActivation(actFn, view(fp.xw, t * mb * 4 * n, slabShape, new long[] {4 * n, 1}), a, training);
            INDArray f = view(fp.ga, (nT + t) * slab, slabShape, null);
            INDArray o = view(fp.ga, (2 * nT + t) * slab, slabShape, null);
            INDArray gi = view(fp.ga, (3 * nT + t) * slab, slabShape, null);

            // c' = f ⊙ c + g ⊙ a
            if (prevNonZero) {
                Nd4j.exec(new MulOp(new INDArray[] {f, cPrev}, new INDArray[] {cNext}));
                Nd4j.exec(new MulOp(new INDArray[] {gi, a}, new INDArray[] {scratch}));
                cNext.addi(scratch);
            } else {
                Nd4j.exec(new MulOp(new INDArray[] {gi, a}, new INDArray[] {cNext}));
            }
            // h' = o ⊙ act(c')
            INDArray tcT = view(fp.tc, t * slab, slabShape, null);
            applyActivation(actFn, cNext, tcT, training);
            Nd4j.exec(new MulOp(new INDArray[] {o, tcT}, new INDArray[] {hNext}));

            if (fp.partial[(int) t]) {
                // Masked examples keep their state: s = s_prev + m ⊙ (s' − s_prev).
                INDArray m = fp.maskTm.slice(t);
                cNext.subi(cPrev).muliColumnVector(m).addi(cPrev);
                hNext.subi(hPrev).muliColumnVector(m).addi(hPrev);
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

        epsilon = rank3(epsilon, getDataFormat());
        INDArray eps = permuteIfNWC(epsilon).castTo(dt); // [mb, n, T]
        checkEpsilon(eps, epsilon, mb, n, nT);

        // e[t] accumulates dL/dh_t: the output gradient (masked like the output) plus, once step t+1 is done,
        // everything flowing back from step t+1.
        INDArray e = maskedOutputGradient(eps, fp.maskTm, mgr, dt);

        // dL/dz of the steps that receive gradient, [nR·mb, 4n] in W's and RW's column order.
        INDArray dz;
        LstmLoops loops = LstmLoops.forPass(conf.getGateActivationFn(), conf.getActivationFn(), dt);
        if (loops != null) {
            INDArray dzTm = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nR, mb, 4 * n}, 'c');
            loops.backward(fp.ga, fp.c, fp.tc, e, fp.maskTm, fp.partial, rw, dzTm, (int) nT, (int) end,
                    (int) mb, (int) n);
            dz = dzTm.reshape('c', nR * mb, 4 * n);
        } else {
            dz = backwardStepsNd4j(fp, e, rw, end, mgr);
        }

        // Parameter and input gradients: one product each over all steps.
        INDArray x2d = fp.x.get(interval(end, nT), all(), all()).reshape('c', nR * mb, nIn);
        INDArray hPrev2d = fp.h.get(interval(end, nT), all(), all()).reshape('c', nR * mb, n);
        Nd4j.gemm(x2d, dz, gW, true, false, 1.0, 0.0);
        Nd4j.gemm(hPrev2d, dz, gRW, true, false, 1.0, 0.0);
        if (!DirectArray.columnSums(dz, gB)) {
            dz.sum(gB, 0);
        }

        INDArray epsTm = end > 0
                ? mgr.create(ArrayType.ACTIVATION_GRAD, dt, new long[] {nT, mb, nIn}, 'c')
                : mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dt, new long[] {nT, mb, nIn}, 'c');
        INDArray dx2d = epsTm.get(interval(end, nT), all(), all()).reshape('c', nR * mb, nIn);
        Nd4j.gemm(dz, w, dx2d, false, true, 1.0, 0.0);

        // The gradient of the recurrent weights themselves, if a pass mask dropped some (DropConnect).
        RecurrentWeightDrop.maskGradient(layerConf().getWeightNoise(), gRW);
        weightNoiseParams.clear();

        Gradient ret = new DefaultGradient(gradientsFlattened);
        ret.gradientForVariable().put(FusedLstmParamInitializer.INPUT_WEIGHT_KEY, gW);
        ret.gradientForVariable().put(FusedLstmParamInitializer.RECURRENT_WEIGHT_KEY, gRW);
        ret.gradientForVariable().put(FusedLstmParamInitializer.BIAS_KEY, gB);

        INDArray epsOut = fromTimeMajor(epsTm, getDataFormat());
        epsOut = backpropDropOutIfPresent(epsOut);
        return new Pair<>(ret, epsOut);
    }

    /**
     * The backward per-step loop in ND4J ops, for what {@link LstmLoops} does not cover: fills dL/dz of steps
     * end..T−1 and returns it as a [nR·mb, 4n] view; {@code e} [T, mb, n] receives the gradients flowing back.
     */
    private INDArray backwardStepsNd4j(ForwardPass fp, INDArray e, INDArray rw, long end, LayerWorkspaceMgr mgr) {
        final FusedLstm conf = layerConf();
        final DataType dt = dataType;
        final long n = conf.getNOut();
        final long nT = fp.steps;
        final long mb = fp.mb;
        final long nR = nT - end;

        // Factors of all steps, k [6, nR, mb, n] block-major (each k_i contiguous, like the gate blocks):
        //   dz_a = dc ⊙ k0, k0 = g ⊙ act'(z_a)       dz_f = dc ⊙ k1, k1 = c_prev ⊙ σ'(z_f)
        //   dz_o = dh ⊙ k2, k2 = act(c') ⊙ σ'(z_o)   dz_g = dc ⊙ k3, k3 = a ⊙ σ'(z_g)
        //   carry = dc ⊙ k4, k4 = f                    dc = dh ⊙ k5 + carry_next, k5 = o ⊙ act'(c')
        // with the mask folded into k2 and k5, so that masked examples get no gradient at their masked steps.
        final long slab = mb * n;
        final long[] stepsShape = {nR, mb, n};
        IActivation gateFn = conf.getGateActivationFn();
        IActivation actFn = conf.getActivationFn();
        INDArray a = view(fp.ga, end * slab, stepsShape, null);
        INDArray f = view(fp.ga, (nT + end) * slab, stepsShape, null);
        INDArray o = view(fp.ga, (2 * nT + end) * slab, stepsShape, null);
        INDArray gi = view(fp.ga, (3 * nT + end) * slab, stepsShape, null);
        INDArray tcR = view(fp.tc, end * slab, stepsShape, null);
        INDArray cPrevR = view(fp.c, end * slab, stepsShape, null);
        INDArray maskR = fp.maskTm == null ? null : fp.maskTm.get(interval(end, nT), all(), all());

        INDArray k = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {6, nR, mb, n}, 'c');
        INDArray[] ks = new INDArray[6];
        for (int j = 0; j < 6; j++) {
            ks[j] = view(k, j * nR * slab, stepsShape, null);
        }
        if (gateFn instanceof ActivationSigmoid) {
            // One op for the three sigmoid gates, block-major in both arrays.
            Nd4j.exec(new TimesOneMinus(
                    view(fp.ga, (nT + end) * slab, new long[] {3, nR, mb, n}, new long[] {nT * slab, slab, n, 1}),
                    view(k, nR * slab, new long[] {3, nR, mb, n}, null)));
        } else {
            derivative(gateFn, f, preActivations(fp, 1, end, n), ks[1]);
            derivative(gateFn, o, preActivations(fp, 2, end, n), ks[2]);
            derivative(gateFn, gi, preActivations(fp, 3, end, n), ks[3]);
        }
        derivative(actFn, a, preActivations(fp, 0, end, n), ks[0]);
        ks[0].muli(gi);
        ks[1].muli(cPrevR);
        ks[2].muli(tcR);
        ks[3].muli(a);
        ks[4].assign(f);
        if (actFn instanceof ActivationTanH) {
            Nd4j.exec(new MulOp(new INDArray[] {tcR, tcR}, new INDArray[] {ks[5]}));
            ks[5].rsubi(1.0);
        } else {
            // act'(c'): c' equals the stored cell state wherever the mask is 1; elsewhere k5 is zeroed below.
            derivative(actFn, null, view(fp.c, (end + 1) * slab, stepsShape, null), ks[5]);
        }
        ks[5].muli(o);
        if (maskR != null) {
            Nd4j.exec(new MulOp(new INDArray[] {ks[2], maskR}, new INDArray[] {ks[2]}));
            Nd4j.exec(new MulOp(new INDArray[] {ks[5], maskR}, new INDArray[] {ks[5]}));
        }

        // Per step gradient row d [mb, 7n] = [dz_a | dz_f | dz_o | dz_g | carry | dc | spare]: dz_a..dz_g is dL/dz_t
        // in W's and RW's column order (for the products), carry is dL/dc_{t−1} through the forget gate. All per-step
        // element-wise work is done by broadcasting a [1, mb, n] operand over [2, mb, n] block pairs, which ND4J
        // runs fast on strided views (same-shape ops on strided views it runs slowly); the spare block makes
        // "dc += carry" such a broadcast.
        final long w7 = 7 * n;
        INDArray d = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nR, mb, w7}, 'c');
        final long[] pairShape = {2, mb, n};
        final long[] oneShape = {1, mb, n};
        INDArray oneMinusM = null;
        INDArray tmp = null;
        if (fp.maskTm != null) {
            oneMinusM = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {nT, mb, 1}, 'c');
            oneMinusM.assign(fp.maskTm).rsubi(1.0);
            tmp = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, new long[] {mb, n}, 'c');
        }
        for (long t = nT - 1; t >= end; t--) {
            long i = t - end;
            long row = i * mb * w7;
            INDArray eT = view(e, t * slab, oneShape, null);
            // [dz_o, dc] = dh ⊙ [k2, k5]
            INDArray k25 = view(k, (2 * nR + i) * slab, pairShape, new long[] {3 * nR * slab, n, 1});
            Nd4j.exec(new MulOp(new INDArray[] {k25, eT},
                    new INDArray[] {view(d, row + 2 * n, pairShape, new long[] {3 * n, w7, 1})}));
            boolean partial = fp.partial[(int) t];
            INDArray carryIn = null;
            if (t < nT - 1) {
                carryIn = view(d, row + mb * w7 + 4 * n, oneShape, new long[] {mb * w7, w7, 1});
                INDArray add = carryIn;
                if (partial) {
                    Nd4j.exec(new MulOp(new INDArray[] {carryIn.reshape(mb, n), fp.maskTm.slice(t)},
                            new INDArray[] {tmp}));
                    add = tmp.reshape(1, mb, n);
                }
                // [dc, spare] += carry
                INDArray dcPair = view(d, row + 5 * n, pairShape, new long[] {n, w7, 1});
                Nd4j.exec(new AddOp(new INDArray[] {dcPair, add}, new INDArray[] {dcPair}));
            }
            INDArray dc = view(d, row + 5 * n, oneShape, new long[] {mb * w7, w7, 1});
            // [dz_a, dz_f] = dc ⊙ [k0, k1];  [dz_g, carry] = dc ⊙ [k3, k4]
            Nd4j.exec(new MulOp(new INDArray[] {view(k, i * slab, pairShape, new long[] {nR * slab, n, 1}), dc},
                    new INDArray[] {view(d, row, pairShape, new long[] {n, w7, 1})}));
            Nd4j.exec(new MulOp(new INDArray[] {view(k, (3 * nR + i) * slab, pairShape, new long[] {nR * slab, n, 1}),
                    dc}, new INDArray[] {view(d, row + 3 * n, pairShape, new long[] {n, w7, 1})}));
            INDArray ePrev = t > end ? view(e, (t - 1) * slab, new long[] {mb, n}, null) : null;
            if (partial) {
                // Masked examples pass the gradients of their carried state straight to the previous step.
                INDArray oneMinus = oneMinusM.slice(t);
                if (carryIn != null) {
                    Nd4j.exec(new MulOp(new INDArray[] {carryIn.reshape(mb, n), oneMinus}, new INDArray[] {tmp}));
                    view(d, row + 4 * n, new long[] {mb, n}, new long[] {w7, 1}).addi(tmp);
                }
                if (ePrev != null) {
                    Nd4j.exec(new MulOp(new INDArray[] {eT.reshape(mb, n), oneMinus}, new INDArray[] {tmp}));
                    ePrev.addi(tmp);
                }
            }
            if (ePrev != null) {
                Nd4j.gemm(view(d, row, new long[] {mb, 4 * n}, new long[] {w7, 1}), rw, ePrev, false, true, 1.0,
                        1.0);
            }
        }

        return view(d, 0, new long[] {nR * mb, 4 * n}, new long[] {w7, 1});
    }

    /** Pre-activations of gate block {@code block} for steps end..T-1, [nR, mb, n] (a strided view of xw). */
    private static INDArray preActivations(ForwardPass fp, int block, long end, long n) {
        return view(fp.xw, end * fp.mb * 4 * n + block * n, new long[] {fp.steps - end, fp.mb, n},
                new long[] {fp.mb * 4 * n, 4 * n, 1});
    }

    // ---------------------------------------------------------------------------------------------------------

    @Override
    String kind() {
        return "FusedLstm";
    }

    @Override
    void dropForwardCache() {
        cached = null;
    }
}
