package org.rnnlab.nn.layers;

/**
 * Hands the embedding layer of a network being initialised to the tied softmax output above it. DL4J's
 * {@code MultiLayerNetwork} has no shared parameters and gives a layer no access to its network, but it instantiates
 * the layers of one network in order on one thread (in {@code init}, on creation, cloning and loading alike): the
 * embedding offers itself here when it is instantiated, and the tied output, instantiated later in the same
 * {@code init}, takes it.
 */
public final class TiedEmbedding {

    private record Offer(SequenceEmbeddingLayer layer, int index) {
    }

    private static final ThreadLocal<Offer> LAST = new ThreadLocal<>();

    private TiedEmbedding() {
    }

    /** Records {@code layer}, just instantiated at {@code index}, as the embedding a tied output may take. */
    public static void offer(SequenceEmbeddingLayer layer, int index) {
        LAST.set(new Offer(layer, index));
    }

    /**
     * The embedding instantiated last on this thread, below the output layer at {@code outputIndex}, with
     * {@code size} columns and {@code vocabulary} rows; it then accumulates its weight gradient onto the output
     * layer's part.
     */
    public static SequenceEmbeddingLayer take(int outputIndex, long size, long vocabulary) {
        Offer o = LAST.get();
        LAST.remove();
        if (o == null || o.index() >= outputIndex) {
            throw new IllegalStateException("TiedSoftmaxOutput at layer " + outputIndex
                    + " needs a SequenceEmbedding layer below it in the same network");
        }
        long nIn = o.layer().layerConf().getNIn();
        long nOut = o.layer().layerConf().getNOut();
        if (nIn != vocabulary || nOut != size) {
            throw new IllegalStateException("TiedSoftmaxOutput at layer " + outputIndex + " (nIn " + size + ", nOut "
                    + vocabulary + ") cannot share the weights of embedding layer " + o.index() + " (vocabulary "
                    + nIn + ", size " + nOut + "): the sizes must match");
        }
        o.layer().accumulateWeightGradient();
        return o.layer();
    }
}
