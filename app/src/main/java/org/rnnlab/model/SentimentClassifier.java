package org.rnnlab.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.rnnlab.config.SentimentConfig;
import org.rnnlab.data.sentiment.SequencePadding;
import org.rnnlab.text.ReviewEncoder;
import org.rnnlab.text.ReviewTokenizer;
import org.rnnlab.text.Vocabulary;

import java.util.List;

/**
 * A sentiment network together with what it needs to read text: the encoder (tokenizer settings,
 * vocabulary, {@code max_len}), the padding side and its output form. Builds masked minibatches
 * for training and answers the probability of "positive" for many reviews in batched network calls.
 */
public final class SentimentClassifier {

    private final MultiLayerNetwork network;
    private final ReviewEncoder encoder;
    private final SequencePadding padding;
    private final SentimentOutput output;

    public SentimentClassifier(MultiLayerNetwork network, SentimentConfig config, Vocabulary vocabulary) {
        SentimentConfig.Data d = config.data();
        this.network = network;
        this.encoder = new ReviewEncoder(new ReviewTokenizer(d.lowercase()), vocabulary, d.maxLen(), d.truncating());
        this.padding = new SequencePadding(d.maxLen(), d.padding());
        this.output = SentimentOutput.of(config.model().output());
    }

    /** The classifier stored in a sentiment model file. */
    public static SentimentClassifier of(ModelFile.Loaded model) {
        if (model.kind() != ModelKind.SENTIMENT || !(model.config() instanceof SentimentConfig cfg)) {
            throw new IllegalArgumentException("Not a sentiment model: " + model.kind());
        }
        return new SentimentClassifier(model.network(), cfg, model.vocabulary());
    }

    /** A training minibatch: padded features, their mask and the labels in the output's form. */
    public DataSet batch(List<int[]> sequences, int[] labels) {
        SequencePadding.Padded p = padding.pad(sequences);
        return new DataSet(p.features(), output.labels(labels), p.mask(), null);
    }

    /** Probability of the positive label for each sequence, {@code batchSize} sequences per network call. */
    public float[] positiveProbabilities(List<int[]> sequences, int batchSize) {
        float[] out = new float[sequences.size()];
        for (int from = 0; from < sequences.size(); from += batchSize) {
            int to = Math.min(from + batchSize, sequences.size());
            SequencePadding.Padded p = padding.pad(sequences.subList(from, to));
            INDArray probs = network.output(p.features(), false, p.mask(), null);
            System.arraycopy(output.positiveProbabilities(probs), 0, out, from, to - from);
        }
        return out;
    }

    public MultiLayerNetwork network() {
        return network;
    }

    public ReviewEncoder encoder() {
        return encoder;
    }

    public SentimentOutput output() {
        return output;
    }
}
