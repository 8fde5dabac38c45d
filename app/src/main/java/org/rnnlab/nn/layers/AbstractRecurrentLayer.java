package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.cpu.kernel.RecurrentParallel;

import static org.rnnlab.nn.layers.RecurrentArrays.rank3;

import java.util.Arrays;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.BaseRecurrentLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the project's recurrent layer implementations ({@link FusedLstmLayer}, {@link FusedSimpleRnnLayer},
 * {@link GruLayer}) have in common beyond DL4J's {@link BaseRecurrentLayer}: the DL4J-contract overrides (no
 * pretraining, recurrent type, clearing the forward cache, the mask pass-through), the dispatch of both backprop
 * entry points to one {@link #backward} and the shape checks of inputs, stored states, masks and output gradients,
 * whose messages name the layer kind ({@link #kind()}) so that a failure points at the right layer.
 */
abstract class AbstractRecurrentLayer<C extends org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer>
        extends BaseRecurrentLayer<C> {

    private static final long serialVersionUID = 1L;

    AbstractRecurrentLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** The layer kind named in error messages ("FusedLstm", "GRU", ...). */
    abstract String kind();

    /** Drops the kept forward pass (and anything else tied to the current input); called by {@link #clear()}. */
    abstract void dropForwardCache();

    /**
     * Whether {@link #feedForwardMaskArray} marks the passed-on mask as {@link MaskState#Passthrough} (as DL4J's
     * LSTM does), rather than keeping DL4J's default of passing on the incoming mask state.
     */
    boolean maskPassthrough() {
        return true;
    }

    /**
     * Whether this layer's per-step loops, for a batch of {@code miniBatch} examples, run on several threads at once
     * ({@link RecurrentParallel}) and so keep every core busy by themselves.
     */
    boolean loopsUseAllThreads(int miniBatch) {
        return false;
    }

    /**
     * Backprop over the current input; {@code truncated} for {@code tbpttBackpropGradient}, where only the last
     * {@code backLength} steps receive gradient (all when not positive).
     */
    abstract Pair<Gradient, INDArray> backward(INDArray epsilon, boolean truncated, int backLength,
                                               LayerWorkspaceMgr mgr);

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        return backward(epsilon, false, -1, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> tbpttBackpropGradient(INDArray epsilon, int tbpttBackLength,
                                                          LayerWorkspaceMgr workspaceMgr) {
        return backward(epsilon, true, tbpttBackLength, workspaceMgr);
    }

    /** A single step may come as [mb, nIn]; the layer works on rank 3 only (as one step in the layer's format). */
    void setInputRank3(LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        if (input.rank() == 2) {
            setInput(rank3(input, getDataFormat()), mgr);
        }
    }

    void checkRank3Input() {
        if (input.rank() != 3) {
            throw new IllegalStateException(kind() + " layer " + layerId() + " expects rank 3 input, got shape "
                    + Arrays.toString(input.shape()));
        }
    }

    /** The input's feature size {@code nIn} against the rows of the input weights. */
    void checkInputSize(long nIn, long weightRows) {
        if (nIn != weightRows) {
            throw new IllegalStateException(kind() + " layer " + layerId() + ": input has size " + nIn
                    + " along the feature dimension (shape " + Arrays.toString(input.shape()) + ", format "
                    + getDataFormat() + ") but nIn = " + weightRows);
        }
    }

    /**
     * A stored state {@code s} (null: none) against [mb, n]; {@code what} names the state where a layer has several
     * ("output", "cell"), null where it has one.
     */
    void checkState(String what, INDArray s, long mb, long n) {
        if (s != null && (s.rank() != 2 || s.size(0) != mb || s.size(1) != n)) {
            throw new IllegalStateException(kind() + " layer " + layerId() + ": stored "
                    + (what == null ? "" : what + " ") + "state has shape " + Arrays.toString(s.shape())
                    + " but the input needs [" + mb + ", " + n + "]: minibatch size changed between rnnTimeStep"
                    + " calls, or rnnClearPreviousState() was not called between batches?");
        }
    }

    /** The feature mask (null: none) must be [mb, T]. */
    void checkMask(INDArray mask, long mb, long nT) {
        if (mask != null && (mask.rank() != 2 || mask.size(0) != mb || mask.size(1) != nT)) {
            throw new IllegalStateException(kind() + " layer " + layerId() + ": feature mask must have shape [" + mb
                    + ", " + nT + "] (one entry per example and time step), got " + Arrays.toString(mask.shape()));
        }
    }

    /**
     * The output gradient {@code eps} (as NCW [mb, n, T]) must have the layer output's shape; errors show the
     * {@code epsilon} as given.
     */
    void checkEpsilon(INDArray eps, INDArray epsilon, long mb, long n, long nT) {
        if (eps.rank() != 3 || eps.size(0) != mb || eps.size(1) != n || eps.size(2) != nT) {
            throw new IllegalStateException(kind() + " layer " + layerId() + ": epsilon has shape "
                    + Arrays.toString(epsilon.shape()) + ", expected the shape of the layer output");
        }
    }

    /**
     * Like DL4J's recurrent layers: keeps the feature mask (used to mask outputs and carry states) and passes it on
     * unchanged; marked as not needing to be applied again by the layers above if {@link #maskPassthrough()}.
     */
    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        if (!maskPassthrough()) {
            return super.feedForwardMaskArray(maskArray, currentMaskState, minibatchSize);
        }
        this.maskArray = maskArray;
        this.maskState = currentMaskState;
        return new Pair<>(maskArray, MaskState.Passthrough);
    }

    @Override
    public void clear() {
        super.clear();
        dropForwardCache();
    }

    @Override
    public Gradient gradient() {
        throw new UnsupportedOperationException("gradient() (layer-wise pretraining) is not supported by " + kind()
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
