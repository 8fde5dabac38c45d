package org.rnnlab.nn;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.rnnlab.nn.layers.RecurrentLoops;
import org.rnnlab.nn.layers.SparseSoftmaxOutputLayer;

/**
 * How a network's rnnlab layers share the machine's threads in a training step: the one question a trainer asks of
 * the network before each step, so that trainers know nothing of layer implementations or kernels.
 *
 * <p>A {@link SparseSoftmaxOutputLayer} on top may compute its weight gradient in the background while the layers
 * below run backward; the score it is asked for waits for it, before anything reads the gradient. Not when a
 * recurrent layer below splits its loops over the threads itself ({@link RecurrentLoops}): those loops already keep
 * every core busy, and a third thread only slowed them (PTB medium, 650 units split in two: 817 to 766 words/s).
 */
public final class ThreadPlan {

    private final MultiLayerNetwork net;
    private final SparseSoftmaxOutputLayer sparseOutput;
    /** The batch size the plan was last made for; -1 before the first step. */
    private long plannedFor = -1;

    private ThreadPlan(MultiLayerNetwork net) {
        this.net = net;
        this.sparseOutput = net.getOutputLayer() instanceof SparseSoftmaxOutputLayer out ? out : null;
    }

    /** The plan of {@code net}; decided anew only when the batch size changes. */
    public static ThreadPlan of(MultiLayerNetwork net) {
        return new ThreadPlan(net);
    }

    /** Sets up the layers' thread use for a training step on {@code miniBatch} examples. */
    public void beforeStep(long miniBatch) {
        if (sparseOutput != null && miniBatch != plannedFor) {
            sparseOutput.setOverlapWeightGradient(!RecurrentLoops.anyUsesAllThreads(net.getLayers(), (int) miniBatch));
            plannedFor = miniBatch;
        }
    }
}
