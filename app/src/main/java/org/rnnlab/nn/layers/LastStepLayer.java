package org.rnnlab.nn.layers;

import org.rnnlab.nn.LastStep;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.LastTimeStepLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.TimeSeriesUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer of {@link LastStep}: DL4J's {@link LastTimeStepLayer}, except when every example's last unmasked step is
 * the sequence's last step (always so for pre-padded input). Then the output is that step's slice, as DL4J gives
 * without a mask, and the backward pass writes the output gradient into that slice of a workspace array.
 *
 * <p>Why: with a mask DL4J pulls and puts each example's row with its own ND4J calls (two per example each way) and
 * allocates the [mb, n, T] gradient as a new array outside the workspaces, zeroed and page-faulted in on every
 * step: 5% of an IMDB training step. Other masks take DL4J's path unchanged.
 */
public class LastStepLayer extends LastTimeStepLayer {

    private static final long serialVersionUID = 1L;

    /** True if the last forward pass took the fast path, so backprop must too. */
    private boolean endedAtLastStep;
    private long[] outputShape;

    public LastStepLayer(Layer underlying) {
        super(underlying);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        endedAtLastStep = allEndAtLastStep();
        if (!endedAtLastStep) {
            return super.activate(training, workspaceMgr);
        }
        return lastStep(underlying.activate(training, workspaceMgr));
    }

    @Override
    public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
        endedAtLastStep = allEndAtLastStep();
        if (!endedAtLastStep) {
            return super.activate(input, training, workspaceMgr);
        }
        return lastStep(underlying.activate(input, training, workspaceMgr));
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!endedAtLastStep) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        INDArray eps3d = workspaceMgr.create(ArrayType.BP_WORKING_MEM, epsilon.dataType(), outputShape, 'f');
        lastStepOf(eps3d).assign(epsilon);
        return underlying.backpropGradient(eps3d, workspaceMgr);
    }

    /** True if there is no mask or every example's mask is set at the last step (DL4J's "not equal to 0"). */
    private boolean allEndAtLastStep() {
        INDArray mask = underlying.getMaskArray();
        if (mask == null) {
            return true;
        }
        if (mask.rank() != 2) {
            return false;
        }
        double[] last = mask.getColumn(mask.size(1) - 1).toDoubleVector();
        for (double m : last) {
            if (Math.abs(m) <= Nd4j.EPS_THRESHOLD) {
                return false;
            }
        }
        return true;
    }

    private INDArray lastStep(INDArray out) {
        if (out.rank() != 3) {
            throw new IllegalArgumentException("Expected rank 3 input with shape [minibatch, layerSize, tsLength]. Got "
                    + "rank " + out.rank());
        }
        outputShape = out.shape();
        return lastStepOf(out);
    }

    /** The view of a [mb, n, T] (NCW) or [mb, T, n] (NWC) sequence at its last step, as the wrapped layer lays it out. */
    private INDArray lastStepOf(INDArray seq) {
        if (TimeSeriesUtils.getFormatFromRnnLayer(underlying.conf().getLayer()) == RNNFormat.NWC) {
            return seq.get(all(), point(seq.size(1) - 1), all());
        }
        return seq.get(all(), all(), point(seq.size(2) - 1));
    }
}
