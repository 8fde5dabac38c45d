package org.rnnlab.nn.layers;

import java.lang.ref.WeakReference;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Hands the embedding layer of a network being initialised to the tied softmax output above it. DL4J's
 * {@code MultiLayerNetwork} has no shared parameters and gives a layer no access to its network, but it instantiates
 * the layers of one network in order on one thread (in {@code init}, on creation, cloning and loading alike): the
 * embedding offers itself here when it is instantiated, and the tied output, instantiated later in the same
 * {@code init}, takes it.
 */
public final class TiedEmbedding {

    /** Weak: a network without a tied output must not be kept alive by its embedding's offer. */
    private record Offer(WeakReference<SequenceEmbeddingLayer> ref, int index) {
        SequenceEmbeddingLayer layer() {
            return ref.get();
        }
    }

    private static final ThreadLocal<Offer> LAST = new ThreadLocal<>();

    private TiedEmbedding() {
    }

    /** Records {@code layer}, just instantiated at {@code index}, as the embedding a tied output may take. */
    public static void offer(SequenceEmbeddingLayer layer, int index) {
        LAST.set(new Offer(new WeakReference<>(layer), index));
    }

    /**
     * The embedding instantiated last on this thread, below the output layer at {@code outputIndex}, with
     * {@code size} columns and {@code vocabulary} rows; it then accumulates its weight gradient onto the output
     * layer's part. {@code outputParams} is the output layer's parameter view: the embedding's must be a view of the
     * same network's parameter vector (an embedding left by another network, initialised earlier on this thread,
     * is not).
     */
    public static SequenceEmbeddingLayer take(int outputIndex, INDArray outputParams, long size, long vocabulary) {
        Offer o = LAST.get();
        LAST.remove();
        SequenceEmbeddingLayer layer = o == null ? null : o.layer();
        if (layer == null || o.index() >= outputIndex || layer.params() == null || outputParams == null
                || layer.params().data().address() != outputParams.data().address()) {
            throw new IllegalStateException("TiedSoftmaxOutput at layer " + outputIndex
                    + " needs a SequenceEmbedding layer below it in the same network");
        }
        long nIn = layer.layerConf().getNIn();
        long nOut = layer.layerConf().getNOut();
        if (nIn != vocabulary || nOut != size) {
            throw new IllegalStateException("TiedSoftmaxOutput at layer " + outputIndex + " (nIn " + size + ", nOut "
                    + vocabulary + ") cannot share the weights of embedding layer " + o.index() + " (vocabulary "
                    + nIn + ", size " + nOut + "): the sizes must match");
        }
        layer.accumulateWeightGradient();
        return layer;
    }
}
