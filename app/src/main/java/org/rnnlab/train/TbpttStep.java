package org.rnnlab.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.Solver;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rnnlab.model.layers.SparseSoftmaxOutputLayer;

/**
 * One truncated-BPTT training step on one window, with the recurrent state carried in from the
 * previous window and out to the next.
 *
 * <p>{@code MultiLayerNetwork.fit} cannot do this: with truncated BPTT it calls
 * {@code rnnClearPreviousState()} before its first segment and after its last, so every {@code fit}
 * call starts from a zero state. Here DL4J's own solver runs the step (forward from each recurrent
 * layer's truncated-BPTT state map, backward truncated at the window, listeners, updater); the layers
 * leave their last state in that map for the next window, and nothing clears it until the trainer
 * does at an epoch start. {@code updateRnnStateWithTBPTTState()} also copies it to the
 * {@code rnnTimeStep} state, as DL4J does between the segments of one {@code fit}.
 *
 * <p>A {@link SparseSoftmaxOutputLayer} on top computes its weight gradient in the background while the layers below
 * run backward ({@link SparseSoftmaxOutputLayer#setOverlapWeightGradient}): the solver's
 * {@code computeGradientAndScore} asks for the score, which waits for it, before anything reads the gradient.
 */
public final class TbpttStep {

    private final MultiLayerNetwork net;
    private final Solver solver;

    public TbpttStep(MultiLayerNetwork net) {
        this.net = net;
        if (net.getOutputLayer() instanceof SparseSoftmaxOutputLayer out) {
            out.setOverlapWeightGradient(true);
        }
        this.solver = new Solver.Builder().configure(net.conf()).listeners(net.getListeners()).model(net).build();
    }

    /** Trains on one window; returns DL4J's score (summed loss over the window divided by the batch size). */
    public double fit(INDArray features, INDArray labels) {
        net.setInput(features);
        net.setLabels(labels);
        solver.optimize(LayerWorkspaceMgr.noWorkspaces());
        net.updateRnnStateWithTBPTTState();
        return net.score();
    }
}
