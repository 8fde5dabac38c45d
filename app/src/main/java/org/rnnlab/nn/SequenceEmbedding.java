package org.rnnlab.nn;

import org.rnnlab.nn.layers.SequenceEmbeddingLayer;
import org.rnnlab.nn.layers.TiedEmbedding;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link EmbeddingSequenceLayer} configuration with a faster weight gradient: the layer it builds,
 * {@link SequenceEmbeddingLayer}, adds each time step's gradient row into the embedding gradient with a direct loop
 * instead of ND4J's {@code scatter_update}, which took 17% of an IMDB training step (and zeroes and scatters the
 * whole 10,000-row gradient for a few hundred rows on PTB). Parameters, forward pass and everything else are DL4J's.
 *
 * <p>Build it from DL4J's builder: {@code SequenceEmbedding.of(new EmbeddingSequenceLayer.Builder()...build())}.
 */
public class SequenceEmbedding extends EmbeddingSequenceLayer {

    /**
     * Word dropout rate (AWD-LSTM's embedding dropout): in training, each word of the vocabulary is dropped with this
     * probability, everywhere in the pass, and kept words are scaled by 1/(1 − p). 0 (the default, and what a
     * configuration saved without the field gets): none.
     */
    private double wordDropout;

    /** For JSON; use {@link #of}. */
    public SequenceEmbedding() {
        super();
    }

    /**
     * A copy of {@code configured} (every field, as DL4J's builder set it) that instantiates
     * {@link SequenceEmbeddingLayer}. DL4J's builder has no way to make a subclass (its constructor is private), so
     * the fields are copied; they are all plain configuration values.
     */
    public static SequenceEmbedding of(EmbeddingSequenceLayer configured) {
        SequenceEmbedding copy = new SequenceEmbedding();
        for (Class<?> c = EmbeddingSequenceLayer.class; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(copy, f.get(configured));
                } catch (IllegalAccessException | RuntimeException e) {
                    throw new IllegalStateException("cannot copy embedding layer setting " + c.getSimpleName() + "."
                            + f.getName(), e);
                }
            }
        }
        return copy;
    }

    /** This configuration with word dropout at {@code rate} (in [0, 1)). */
    public SequenceEmbedding withWordDropout(double rate) {
        if (!(rate >= 0.0 && rate < 1.0)) {
            throw new IllegalArgumentException("word dropout rate must be in [0, 1), got " + rate);
        }
        this.wordDropout = rate;
        return this;
    }

    public double getWordDropout() {
        return wordDropout;
    }

    public void setWordDropout(double wordDropout) {
        this.wordDropout = wordDropout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SequenceEmbedding s && super.equals(o) && s.wordDropout == wordDropout;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Double.hashCode(wordDropout);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        SequenceEmbeddingLayer layer = LayerConfigs.setUp(new SequenceEmbeddingLayer(conf, networkDataType), this,
                conf, trainingListeners, layerIndex, layerParamsView, initializeParams);
        TiedEmbedding.offer(layer, layerIndex);
        return layer;
    }
}
