package org.rnnlab.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.Solver;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.nn.ThreadPlan;

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
 * <p>Before each step the network's {@link ThreadPlan} sets up how its layers share the threads (the output layer's
 * background weight gradient); the solver's {@code computeGradientAndScore} asks for the score, which waits for any
 * background work, before anything reads the gradient.
 *
 * <p>With plain SGD the parameter update is one pass ({@link SgdUpdate}) instead of DL4J's solver's four, with a
 * {@link GlobalNormClipping} listener's factor folded in rather than applied to the gradient; the other listeners are
 * called as the solver calls them. Two differences a listener could see: one called after the clipping sees the
 * gradient before it is clipped, and after the step the gradient arrays hold the batch-summed gradient rather than
 * DL4J's update (η · c / B) · g. Nothing in rnnlab reads either.
 */
public final class TbpttStep {

    private final MultiLayerNetwork net;
    private final ThreadPlan threads;
    private final Solver solver;
    /** The one-pass SGD update, or null where DL4J's solver updates. */
    private final SgdUpdate sgdUpdate;

    /** A step for {@code net}, initialised, with its listeners set. */
    public TbpttStep(MultiLayerNetwork net) {
        this(net, true);
    }

    /** {@code oneUpdatePass} false keeps DL4J's solver for the update even where {@link SgdUpdate} applies. */
    TbpttStep(MultiLayerNetwork net, boolean oneUpdatePass) {
        this.net = net;
        this.threads = ThreadPlan.of(net);
        this.solver = new Solver.Builder().configure(net.conf()).listeners(net.getListeners()).model(net).build();
        this.sgdUpdate = oneUpdatePass ? SgdUpdate.forNetwork(net) : null;
    }

    /** Whether the update is {@link SgdUpdate}'s one pass rather than DL4J's solver. */
    boolean updatesInOnePass() {
        return sgdUpdate != null;
    }

    /** Trains on one window; returns DL4J's score (summed loss over the window divided by the batch size). */
    public double fit(INDArray features, INDArray labels) {
        threads.beforeStep(features.size(0));
        net.setInput(features);
        net.setLabels(labels);
        if (sgdUpdate == null) {
            solver.optimize(LayerWorkspaceMgr.noWorkspaces());
        } else {
            optimizeInOnePass();
        }
        net.updateRnnStateWithTBPTTState();
        return net.score();
    }

    /** What DL4J's {@code StochasticGradientDescent.optimize} does, with {@link SgdUpdate} as updater and step. */
    private void optimizeInOnePass() {
        net.computeGradientAndScore(LayerWorkspaceMgr.noWorkspaces());
        int batch = net.batchSize();
        double clip = 1.0;
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            for (TrainingListener l : net.getListeners()) {
                if (l instanceof GlobalNormClipping c) {
                    clip = c.factor(net.getFlattenedGradients(), batch);
                } else {
                    l.onGradientCalculation(net);
                }
            }
        }
        int iteration = BaseOptimizer.getIterationCount(net);
        int epoch = BaseOptimizer.getEpochCount(net);
        sgdUpdate.apply(iteration, epoch, clip, batch);
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            for (TrainingListener l : net.getListeners()) {
                l.iterationDone(net, iteration, epoch);
            }
        }
        BaseOptimizer.incrementIterationCount(net, 1);
    }
}
