package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.SparseSoftmaxOutput;
import org.rnnlab.nn.cpu.kernel.DirectArray;
import org.rnnlab.nn.cpu.kernel.OpenBlasThreads;
import org.rnnlab.nn.cpu.kernel.RecurrentParallel;
import org.rnnlab.nn.cpu.kernel.VectorFloatKernels;

import java.nio.ByteBuffer;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseOutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.TimeSeriesUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * The DL4J layer implementing {@link SparseSoftmaxOutput} (arrays, score and gradient formulas are documented there).
 *
 * <h2>How it is fast</h2>
 * DL4J's {@code RnnOutputLayer} permutes the input and the [mb·T, nOut] activations between 3D and 2D, expands the
 * label indices to dense one-hot arrays, and computes the logits and softmax twice per iteration: in
 * {@code backpropGradient} and again in {@code computeScore}. This layer instead
 * <ul>
 *   <li>views the input as a 2D token matrix X [mb·T, nIn] without copying when its strides allow (the output of a
 *       {@link FusedLstm} does: its rows are time-major; a batch-major input works too), otherwise copies only X,
 *       never the [mb·T, nOut] arrays;</li>
 *   <li>computes {@code P = softmax(X·W + b)} once in backprop, reads {@code −log p} of the targets for the score,
 *       and turns P into {@code dL/dZ = P − onehot} in place by subtracting 1 at the N target positions;</li>
 *   <li>then {@code dW = Xᵀ·dZ}, {@code db = Σ_rows dZ}, {@code dX = dZ·Wᵀ} (a view in the input's format).</li>
 * </ul>
 * The loss summed in {@code backpropGradient} is kept and returned by the next {@code computeScore} if that is on the
 * same input, labels and mask arrays (MultiLayerNetwork calls it right after backprop); the cached value is used once.
 * Anything else (a new input, labels or mask, {@code clear()}) makes {@code computeScore} compute the loss itself.
 *
 * <h2>Weight gradient beside the layers below</h2>
 * With {@link #setOverlapWeightGradient} on, {@code backpropGradient} returns as soon as {@code dX} is ready and
 * computes {@code dW} and {@code db} on a background thread, in blocks of output classes, while the layers below run
 * their backward passes. Meanwhile OpenBLAS is on one thread (one core each; only if it had two or more).
 * {@code computeScore} does the blocks not started yet, waits for the one in progress and gives OpenBLAS its threads
 * back. Why: the per-time-step products of
 * PTB's recurrent layers gain almost nothing from OpenBLAS's second thread, so one core idled through their backward
 * passes while {@code dW}, a [nIn, nOut] product over every token, waited for them. Only for callers that call
 * {@code computeScore} before they read the gradient, as {@code MultiLayerNetwork.computeGradientAndScore} does
 * (and {@code calculateGradients} does not); {@code dZ} is then kept in the layer's own memory, and the input must
 * stay valid until that call (MultiLayerNetwork's activation workspace is open until then). Results are the same as
 * without it.
 *
 * <h2>Dropout</h2>
 * Input dropout is applied to the 3D input once per forward/backward pass and the score uses the same dropped-out
 * input as the gradient. (DL4J's {@code RnnOutputLayer} computes its training score without the dropout it applied
 * for the gradient, so scores with output-layer dropout differ from it.)
 */
public class SparseSoftmaxOutputLayer extends BaseOutputLayer<SparseSoftmaxOutput> {

    private boolean lossCached;
    private double cachedLossSum;
    private INDArray cachedInput;
    private INDArray cachedLabels;
    private INDArray cachedMask;
    private double regTerm;

    /** The background thread for the weight gradient: one per JVM, as only one training step runs at a time. */
    private static final ExecutorService WEIGHT_GRADIENT = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "rnnlab-output-weight-gradient");
        t.setDaemon(true);
        return t;
    });

    private boolean overlapWeightGradient;
    /** dZ for a background weight gradient: outside every workspace, reused while the shape stays. */
    private INDArray detachedGradient;
    private Future<?> pendingWeightGradient;
    private WeightGradient pendingTask;

    public SparseSoftmaxOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** W [nIn, nOut] as the forward pass uses it: the layer's own parameter, with weight noise when training. */
    protected INDArray weights(boolean training, LayerWorkspaceMgr mgr) {
        return getParamWithNoise(DefaultParamInitializer.WEIGHT_KEY, training, mgr);
    }

    /** Where backprop writes dL/dW [nIn, nOut] (overwriting it). */
    protected INDArray weightGradientView() {
        return gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    }

    /** Whether W is a parameter of this layer (and its gradient part of the layer's gradient). */
    protected boolean ownsWeights() {
        return true;
    }

    /** The tokens of the current input as rows of a matrix, with their labels and mask values in row order. */
    private static final class Tokens {
        INDArray x;       // [N, nIn], N = mb·T
        boolean viewOfInput; // x is a view of the layer's input (no copy)
        boolean timeMajor; // row of (example b, step t): t·mb + b if true, else b·T + t
        long mb;
        long steps;
        int[] labels;     // per row, or null if no labels were requested
        double[] mask;    // per row, or null without a label mask
        INDArray maskCol; // [N, 1] mask in row order, or null
    }

    private RNNFormat format() {
        RNNFormat f = layerConf().getRnnDataFormat();
        return f == null ? RNNFormat.NCW : f;
    }

    private Tokens tokens(boolean withLabels, ArrayType copyType, LayerWorkspaceMgr mgr) {
        if (input.rank() != 3) {
            throw new IllegalStateException("SparseSoftmaxOutput layer " + layerId() + " expects rank 3 input ("
                    + format() + "), got shape " + Arrays.toString(input.shape()));
        }
        INDArray in = (format() == RNNFormat.NWC ? input.permute(0, 2, 1) : input).castTo(dataType); // [mb, nIn, T]
        long mb = in.size(0);
        long nIn = in.size(1);
        long nT = in.size(2);
        long nInW = layerConf().getNIn();
        if (nIn != nInW) {
            throw new IllegalStateException("SparseSoftmaxOutput layer " + layerId() + ": input has size " + nIn
                    + " along the feature dimension (shape " + Arrays.toString(input.shape()) + ", format "
                    + format() + ") but nIn = " + nInW);
        }
        Tokens tk = new Tokens();
        tk.mb = mb;
        tk.steps = nT;
        INDArray tm = RecurrentArrays.timeMajorView(in);
        if (tm != null) {
            tk.timeMajor = true;
            tk.x = tm.reshape('c', nT * mb, nIn);
            tk.viewOfInput = DirectArray.sharesMemory(tk.x, input);
        } else if ((nIn == 1 || in.stride(1) == 1) && (nT == 1 || in.stride(2) == nIn)
                && (mb == 1 || in.stride(0) == nT * nIn)) {
            tk.timeMajor = false;
            tk.x = Nd4j.create(in.data(), new long[] {mb * nT, nIn}, new long[] {nIn, 1}, in.offset(), 'c');
            tk.viewOfInput = true;
        } else {
            tk.timeMajor = true;
            INDArray copy = mgr.createUninitialized(copyType, dataType, new long[] {nT, mb, nIn}, 'c');
            copy.assign(in.permute(2, 0, 1));
            tk.x = copy.reshape('c', nT * mb, nIn);
        }

        if (withLabels) {
            tk.labels = labelIndices(mb, nT, tk.timeMajor);
        }
        if (maskArray != null) {
            if (maskArray.size(0) != mb || maskArray.size(1) != nT) {
                throw new IllegalStateException("SparseSoftmaxOutput layer " + layerId() + ": label mask has shape "
                        + Arrays.toString(maskArray.shape()) + ", expected [" + mb + ", " + nT + "]");
            }
            double[] byExample = smallCopy(maskArray, DataType.DOUBLE).data().asDouble();
            tk.mask = toRowOrder(byExample, mb, nT, tk.timeMajor);
            tk.maskCol = mgr.createUninitialized(copyType, dataType, new long[] {mb * nT, 1}, 'c');
            INDArray m2 = tk.timeMajor ? maskArray.transpose() : maskArray;
            tk.maskCol.reshape('c', m2.size(0), m2.size(1)).assign(m2.castTo(dataType));
        }
        return tk;
    }

    /** Label indices in row order, checked against nOut. */
    private int[] labelIndices(long mb, long nT, boolean timeMajor) {
        if (labels == null) {
            throw new IllegalStateException("SparseSoftmaxOutput layer " + layerId() + ": labels are not set");
        }
        INDArray l2;
        if (labels.rank() == 3) {
            boolean nwc = format() == RNNFormat.NWC;
            int classDim = nwc ? 2 : 1;
            if (labels.size(classDim) != 1 || labels.size(0) != mb || labels.size(nwc ? 1 : 2) != nT) {
                throw new IllegalStateException("SparseSoftmaxOutput layer " + layerId() + ": labels must be class"
                        + " indices of shape " + (nwc ? "[" + mb + ", " + nT + ", 1]" : "[" + mb + ", 1, " + nT + "]")
                        + " (" + format() + "), got " + Arrays.toString(labels.shape()));
            }
            l2 = labels.reshape(mb, nT);
        } else if (labels.rank() == 2 && labels.size(0) == mb && labels.size(1) == nT) {
            l2 = labels;
        } else {
            throw new IllegalStateException("SparseSoftmaxOutput layer " + layerId() + ": labels must be class indices"
                    + " of shape [" + mb + ", 1, " + nT + "] (NCW) or [" + mb + ", " + nT + ", 1] (NWC), got "
                    + Arrays.toString(labels.shape()));
        }
        double[] byExample = smallCopy(l2, DataType.DOUBLE).data().asDouble();
        double[] rows = toRowOrder(byExample, mb, nT, timeMajor);
        long nOut = layerConf().getNOut();
        int[] out = new int[rows.length];
        for (int r = 0; r < rows.length; r++) {
            double v = rows[r];
            if (v < 0 || v >= nOut || v != Math.rint(v)) {
                throw new IllegalArgumentException("SparseSoftmaxOutput layer " + layerId() + ": label " + v
                        + " is not a class index in [0, " + nOut + ")");
            }
            out[r] = (int) v;
        }
        return out;
    }

    /** A contiguous copy of a small array (labels, masks) outside any workspace, to read it from Java. */
    private static INDArray smallCopy(INDArray arr, DataType type) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return arr.castTo(type).dup('c');
        }
    }

    /** Reorders values given per [example][step] (row-major) into the token row order. */
    private static double[] toRowOrder(double[] byExample, long mb, long nT, boolean timeMajor) {
        if (!timeMajor) {
            return byExample;
        }
        double[] rows = new double[byExample.length];
        for (int b = 0; b < mb; b++) {
            for (int t = 0; t < nT; t++) {
                rows[(int) (t * mb + b)] = byExample[(int) (b * nT + t)];
            }
        }
        return rows;
    }

    /** Softmax probabilities [N, nOut] of the tokens, in a new array of the given type. */
    private INDArray probabilities(Tokens tk, boolean training, ArrayType type, LayerWorkspaceMgr mgr) {
        INDArray p = mgr.createUninitialized(type, dataType, new long[] {tk.x.size(0), layerConf().getNOut()}, 'c');
        return probabilities(tk, training, p, mgr);
    }

    /** Softmax probabilities [N, nOut] of the tokens, written into {@code p} (row-major). */
    private INDArray probabilities(Tokens tk, boolean training, INDArray p, LayerWorkspaceMgr mgr) {
        INDArray w = weights(training, mgr);
        long nOut = w.size(1);
        INDArray b = layerConf().hasBias() ? getParamWithNoise(DefaultParamInitializer.BIAS_KEY, training, mgr) : null;
        if (dataType == DataType.FLOAT && DirectArray.usable(dataType) && DirectArray.vectorUsable()
                && p.length() * 4 <= Integer.MAX_VALUE && (b == null || b.length() == nOut && DirectArray.isDense(b))
                && DirectArray.isRowMajor2d(tk.x)) {
            // Each part computes the logits of its rows (one single-threaded product) and their bias and softmax in
            // three vectorised passes per row, with no wait between the two: ND4J's softmax was a tenth of a PTB
            // step, and OpenBLAS's own split of the product left its caller waiting in sched_yield.
            ByteBuffer pb = ((DirectArray.F32) DirectArray.of(p)).bytes();
            ByteBuffer bb = b == null ? null : ((DirectArray.F32) DirectArray.of(b)).bytes();
            DirectArray pa = DirectArray.of(p);
            DirectArray xa = DirectArray.of(tk.x);
            DirectArray.Weights wa = DirectArray.Weights.of(w);
            int nIn = (int) tk.x.size(1);
            int cols = (int) nOut;
            RecurrentParallel.run((int) p.size(0), (from, to) -> {
                pa.gemm(to - from, cols, nIn, xa, from * nIn, nIn, wa.data(), 0, wa.leadingDimension(),
                        !wa.rowMajor(), 0.0, from * cols, cols);
                VectorFloatKernels.biasSoftmaxRows(pb, cols, bb, from, to);
            });
            return p;
        }
        Nd4j.gemm(tk.x, w, p, false, false, 1.0, 0.0);
        if (b != null) {
            p.addiRowVector(b);
        }
        Nd4j.exec(new SoftMax(p, p, 1));
        return p;
    }

    /** Σ over tokens of m·(−log clip(p_label)), as LossMCXENT computes it (clipped with its softmax epsilon). */
    private double lossSum(INDArray p, Tokens tk, double[] perExample) {
        double eps = ((LossMCXENT) layerConf().getLossFn()).getSoftmaxClipEps();
        double sum = 0.0;
        for (int r = 0; r < tk.labels.length; r++) {
            double m = tk.mask == null ? 1.0 : tk.mask[r];
            if (m == 0.0) {
                continue;
            }
            double pr = p.getDouble(r, tk.labels[r]);
            if (eps > 0) {
                pr = Math.min(Math.max(pr, eps), 1.0 - eps);
            }
            double l = -m * Math.log(pr);
            sum += l;
            if (perExample != null) {
                perExample[(int) (tk.timeMajor ? r % tk.mb : r / tk.steps)] += l;
            }
        }
        return sum;
    }

    /** A row-major token-row matrix [N, width] as a view in the layer's 3D format. */
    private INDArray to3d(INDArray rows2d, Tokens tk) {
        long width = rows2d.size(1);
        INDArray r3 = tk.timeMajor // [mb, width, T]
                ? rows2d.reshape('c', tk.steps, tk.mb, width).permute(1, 2, 0)
                : rows2d.reshape('c', tk.mb, tk.steps, width).permute(0, 2, 1);
        return format() == RNNFormat.NWC ? r3.permute(0, 2, 1) : r3;
    }

    // ---------------------------------------------------------------------------------------------------------

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        awaitWeightGradient();
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        Tokens tk = tokens(false, ArrayType.FF_WORKING_MEM, workspaceMgr);
        INDArray p = probabilities(tk, training, ArrayType.ACTIVATIONS, workspaceMgr);
        if (tk.maskCol != null) {
            p.muliColumnVector(tk.maskCol);
        }
        return to3d(p, tk);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        awaitWeightGradient();
        assertInputSet(true);
        lossCached = false;
        applyDropOutIfNecessary(true, workspaceMgr);
        Tokens tk = tokens(true, ArrayType.BP_WORKING_MEM, workspaceMgr);
        INDArray gW = weightGradientView();
        INDArray gB = layerConf().hasBias() ? gradientViews.get(DefaultParamInitializer.BIAS_KEY) : null;
        // Only with two or more BLAS threads: with one the user asked for one core.
        boolean overlap = overlapWeightGradient && OpenBlasThreads.get() > 1 && tk.viewOfInput
                && DirectArray.usable(dataType)
                && DirectArray.isRowMajor2d(tk.x) && (DirectArray.isRowMajor2d(gW) || DirectArray.isColumnMajor2d(gW))
                && (gB == null || DirectArray.isDense(gB))
                && tk.x.size(0) * Math.max(tk.x.size(1), layerConf().getNOut()) <= Integer.MAX_VALUE;

        // P = softmax(XW + b), turned in place into dL/dZ = m ⊙ (P − onehot(labels)).
        INDArray g = overlap ? probabilities(tk, true, detachedGradient(tk.x.size(0)), workspaceMgr)
                : probabilities(tk, true, ArrayType.BP_WORKING_MEM, workspaceMgr);
        double loss = lossSum(g, tk, null);
        for (int r = 0; r < tk.labels.length; r++) {
            g.putScalar(r, tk.labels[r], g.getDouble(r, tk.labels[r]) - 1.0);
        }
        if (tk.maskCol != null) {
            g.muliColumnVector(tk.maskCol);
        }

        Gradient gradient = new DefaultGradient();
        if (!overlap) {
            Nd4j.gemm(tk.x, g, gW, true, false, 1.0, 0.0);
            if (gB != null && !DirectArray.columnSums(g, gB)) {
                g.sum(gB, 0);
            }
        }
        if (ownsWeights()) {
            gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, gW);
        }
        if (gB != null) {
            gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, gB);
        }

        INDArray w = weights(true, workspaceMgr);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType,
                new long[] {tk.x.size(0), tk.x.size(1)}, 'c');
        if (DirectArray.usable(dataType) && DirectArray.isRowMajor2d(g) && g.length() <= Integer.MAX_VALUE
                && dx.length() <= Integer.MAX_VALUE) {
            // Split by rows on our threads, as the logits (OpenBLAS's split left its caller waiting).
            DirectArray da = DirectArray.of(dx);
            DirectArray ga = DirectArray.of(g);
            DirectArray.Weights wa = DirectArray.Weights.of(w);
            int nIn = (int) dx.size(1);
            int nOut = (int) g.size(1);
            RecurrentParallel.run((int) dx.size(0), (from, to) -> da.gemm(to - from, nIn, nOut, ga, from * nOut, nOut,
                    wa.data(), 0, wa.leadingDimension(), wa.rowMajor(), 0.0, from * nIn, nIn));
        } else {
            Nd4j.gemm(g, w, dx, false, true, 1.0, 0.0);
        }
        if (overlap) {
            startWeightGradient(tk.x, g, gW, gB);
        }
        INDArray epsNext = backpropDropOutIfPresent(to3d(dx, tk));

        lossCached = true;
        cachedLossSum = loss;
        cachedInput = input;
        cachedLabels = labels;
        cachedMask = maskArray;
        // weightNoiseParams are cleared by MultiLayerNetwork/ComputationGraph after the score, as for DL4J's layers.
        return new Pair<>(gradient, epsNext);
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (input == null || labels == null) {
            throw new IllegalStateException("Cannot calculate score without input and labels " + layerId());
        }
        awaitWeightGradient();
        this.regTerm = fullNetRegTerm;
        double loss;
        long mb;
        if (lossCached && cachedInput == input && cachedLabels == labels && cachedMask == maskArray) {
            loss = cachedLossSum;
            mb = input.size(0);
        } else {
            applyDropOutIfNecessary(training, workspaceMgr);
            Tokens tk = tokens(true, ArrayType.FF_WORKING_MEM, workspaceMgr);
            INDArray p = probabilities(tk, training, ArrayType.FF_WORKING_MEM, workspaceMgr);
            loss = lossSum(p, tk, null);
            mb = tk.mb;
        }
        invalidateLossCache();
        double s = conf().isMiniBatch() ? loss / mb : loss;
        this.score = s + fullNetRegTerm;
        return this.score;
    }

    /** Per example: the loss summed over its (unmasked) time steps, plus the regularisation term; shape [mb, 1]. */
    @Override
    public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
        awaitWeightGradient();
        if (input == null || labels == null) {
            throw new IllegalStateException("Cannot calculate score without input and labels " + layerId());
        }
        Tokens tk = tokens(true, ArrayType.FF_WORKING_MEM, workspaceMgr);
        INDArray p = probabilities(tk, false, ArrayType.FF_WORKING_MEM, workspaceMgr);
        double[] perExample = new double[(int) tk.mb];
        lossSum(p, tk, perExample);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[] {tk.mb, 1}, 'c');
        for (int i = 0; i < perExample.length; i++) {
            out.putScalar(i, 0, perExample[i] + fullNetRegTerm);
        }
        return out;
    }

    @Override
    public void computeGradientAndScore(LayerWorkspaceMgr workspaceMgr) {
        if (input == null || labels == null) {
            return;
        }
        this.gradient = backpropGradient(null, workspaceMgr).getFirst();
        this.score = computeScore(regTerm, true, workspaceMgr);
    }

    /** Labels as DL4J's RnnOutputLayer gives them to its loss function: [mb·T, 1], example-major. */
    @Override
    protected INDArray getLabels2d(LayerWorkspaceMgr workspaceMgr, ArrayType arrayType) {
        if (labels.rank() == 3) {
            INDArray l = format() == RNNFormat.NWC ? labels.permute(0, 2, 1) : labels;
            return TimeSeriesUtils.reshape3dTo2d(l, workspaceMgr, arrayType);
        }
        return labels;
    }

    /** Label mask, per time step: [mb, T] (or [mb, 1, T] / [mb, T, 1], which are reshaped). */
    @Override
    public void setMaskArray(INDArray maskArray) {
        invalidateLossCache();
        if (maskArray == null) {
            this.maskArray = null;
            return;
        }
        if (maskArray.rank() == 3 && (maskArray.size(1) == 1 || maskArray.size(2) == 1)) {
            maskArray = maskArray.reshape(maskArray.size(0), maskArray.size(1) * maskArray.size(2));
        }
        if (maskArray.rank() != 2) {
            throw new IllegalArgumentException("SparseSoftmaxOutput layer " + layerId() + ": the label mask must be"
                    + " per time step, shape [minibatch, timeSteps]; got " + Arrays.toString(maskArray.shape()));
        }
        this.maskArray = maskArray;
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        if (maskArray != null && currentMaskState == MaskState.Active) {
            this.inputMaskArray = maskArray;
            this.inputMaskArrayState = currentMaskState;
        } else {
            this.inputMaskArray = null;
            this.inputMaskArrayState = null;
        }
        return null; // last layer
    }

    @Override
    public void setLabels(INDArray labels) {
        if (labels != this.labels) {
            invalidateLossCache();
        }
        super.setLabels(labels);
    }

    private void invalidateLossCache() {
        lossCached = false;
        cachedInput = null;
        cachedLabels = null;
        cachedMask = null;
    }

    @Override
    public void clear() {
        awaitWeightGradient();
        super.clear();
        invalidateLossCache();
    }

    /** Whether {@link #setOverlapWeightGradient} turned the background weight gradient on. */
    boolean overlapsWeightGradient() {
        return overlapWeightGradient;
    }

    /**
     * Turns on or off the background weight gradient (see the class description): only for callers that call
     * {@code computeScore} after {@code backpropGradient} and before they read the gradient, with the input still
     * valid. Off by default.
     */
    public void setOverlapWeightGradient(boolean overlap) {
        awaitWeightGradient();
        this.overlapWeightGradient = overlap;
        if (!overlap) {
            detachedGradient = null;
        }
    }

    /** True while a background weight gradient runs or waits to be joined: for tests. */
    boolean weightGradientPending() {
        return pendingWeightGradient != null;
    }

    /** A row-major [rows, nOut] array outside every workspace, the same one while the shape stays. */
    private INDArray detachedGradient(long rows) {
        long nOut = layerConf().getNOut();
        if (detachedGradient == null || detachedGradient.size(0) != rows || detachedGradient.size(1) != nOut
                || detachedGradient.dataType() != dataType) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                detachedGradient = Nd4j.createUninitialized(dataType, new long[] {rows, nOut}, 'c');
            }
        }
        return detachedGradient;
    }

    /**
     * Starts dW = Xᵀ·dZ and db = Σ_rows dZ on the background thread, in blocks of output classes, with OpenBLAS on
     * one thread until they are done; {@link #awaitWeightGradient} does the blocks still left on the calling thread.
     */
    private void startWeightGradient(INDArray x, INDArray g, INDArray gW, INDArray gB) {
        WeightGradient task = new WeightGradient(x, g, gW, gB);
        OpenBlasThreads.limitToOne();
        try {
            pendingTask = task;
            // OpenBLAS gets its threads back in awaitWeightGradient, at a fixed point of the step: giving them back
            // when the background thread ran out of blocks (at a time that varies) made training results vary from
            // run to run with the same seed, as the layers below then ran some products on one thread, some on two.
            pendingWeightGradient = WEIGHT_GRADIENT.submit(task::run);
        } catch (RuntimeException e) {
            pendingTask = null;
            OpenBlasThreads.release();
            throw e;
        }
    }

    /**
     * Finishes a background weight gradient, if one runs: the blocks not yet started are done on this thread (so
     * neither core idles when the layers below finished first), then the background block is waited for, and
     * OpenBLAS gets its threads back.
     */
    private void awaitWeightGradient() {
        Future<?> pending = pendingWeightGradient;
        if (pending == null) {
            return;
        }
        WeightGradient task = pendingTask;
        pendingWeightGradient = null;
        pendingTask = null;
        RuntimeException failure = null;
        boolean interrupted = false;
        try {
            try {
                task.run();
            } catch (RuntimeException e) {
                failure = e;
            }
            while (true) {
                try {
                    pending.get();
                    break;
                } catch (InterruptedException e) {
                    // The background block writes into the gradient and reads dZ: it must end before either is reused.
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (failure == null) {
                        failure = c instanceof RuntimeException r ? r
                                : new IllegalStateException("Output layer weight gradient failed", c);
                    }
                    break;
                }
            }
        } finally {
            OpenBlasThreads.release();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * dW and db in blocks of output classes, taken in turn by whichever thread asks next. Blocks write disjoint parts
     * of dW and db, and each is one OpenBLAS product as a whole (same results whichever thread does it).
     */
    private static final class WeightGradient {
        /** Blocks per product: small enough that the thread finishing first never waits long for the other one. */
        private static final int BLOCKS = 16;

        private final AtomicInteger next = new AtomicInteger();
        private final DirectArray x;
        private final DirectArray g;
        private final DirectArray w;
        private final DirectArray b;
        private final boolean wRowMajor;
        private final int n;
        private final int nIn;
        private final int nOut;
        private final int width;

        WeightGradient(INDArray x, INDArray g, INDArray gW, INDArray gB) {
            this.x = DirectArray.of(x);
            this.g = DirectArray.of(g);
            this.w = DirectArray.of(gW);
            this.b = gB == null ? null : DirectArray.of(gB);
            this.wRowMajor = DirectArray.isRowMajor2d(gW);
            this.n = (int) x.size(0);
            this.nIn = (int) x.size(1);
            this.nOut = (int) g.size(1);
            this.width = Math.max(1, (nOut + BLOCKS - 1) / BLOCKS);
        }

        void run() {
            int blocks = (nOut + width - 1) / width;
            for (int k = next.getAndIncrement(); k < blocks; k = next.getAndIncrement()) {
                int j0 = k * width;
                int cols = Math.min(width, nOut - j0);
                if (wRowMajor) { // [nIn, nOut]: columns j0.. of Xᵀ·dZ
                    w.gemm(true, nIn, cols, n, x, 0, nIn, g, j0, nOut, false, 0.0, j0, nOut);
                } else { // column-major [nIn, nOut] = row-major [nOut, nIn]: rows j0.. of dZᵀ·X
                    w.gemm(true, cols, nIn, n, g, j0, nOut, x, 0, nIn, false, 0.0, j0 * nIn, nIn);
                }
                if (b != null) {
                    b.sumRowsOf(g, j0, n, cols, nOut, j0);
                }
            }
        }
    }

    @Override
    public Type type() {
        return Type.RECURRENT;
    }
}
