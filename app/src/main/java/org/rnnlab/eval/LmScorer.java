package org.rnnlab.eval;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.data.lm.TextFormat;
import org.rnnlab.data.lm.WordTokenizer;
import org.rnnlab.text.Vocabulary;

import java.util.ArrayList;
import java.util.List;

/**
 * Scores sentences with a language model, as LM users rank candidates: each sentence is read by the
 * model's tokenizer, closed by {@code <eos>} if the model has sentence ends, and predicted token by
 * token from a fresh state primed with {@code <eos>} (how every training sentence began); the result
 * is the natural-log probability of its tokens and the perplexity per token. A model without sentence
 * ends ({@code data.eos: none}) takes the first token as context and scores the rest.
 */
public final class LmScorer {

    private final MultiLayerNetwork net;
    private final Vocabulary vocab;
    private final TextFormat format;

    public LmScorer(MultiLayerNetwork net, Vocabulary vocab, TextFormat format) {
        this.net = net;
        this.vocab = vocab;
        this.format = format;
    }

    /** One scored sentence: the tokens predicted, the probability of each, their sum of logs and perplexity. */
    public record Score(String sentence, List<String> tokens, List<Double> probabilities, List<Boolean> unknown,
                        double logProbability, double perplexity) {
        /** Bits per token (per character for a {@code chars} model). */
        public double bitsPerToken() {
            return tokens.isEmpty() ? Double.NaN : -logProbability / tokens.size() / Math.log(2);
        }
    }

    public Score score(String sentence) {
        List<String> tokens = format.sentenceTokens(sentence);
        List<Integer> context = new ArrayList<>();
        List<String> predicted = tokens;
        if (vocab.contains(WordTokenizer.EOS)) {
            context.add(vocab.indexOf(WordTokenizer.EOS));
        } else if (!tokens.isEmpty()) {
            context.add(vocab.indexOf(tokens.get(0)));
            predicted = tokens.subList(1, tokens.size());
        }
        if (predicted.isEmpty()) {
            return new Score(sentence, List.of(), List.of(), List.of(), 0, Double.NaN);
        }
        for (int i = 0; i + 1 < predicted.size(); i++) {
            context.add(vocab.indexOf(predicted.get(i)));
        }
        float[] f = new float[context.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = context.get(i);
        }
        INDArray out;
        net.rnnClearPreviousState();
        try {
            out = net.rnnTimeStep(Nd4j.create(f, new long[] {1, 1, f.length}, DataType.FLOAT));
        } finally {
            net.rnnClearPreviousState();
        }
        List<Double> probs = new ArrayList<>();
        List<Boolean> unknown = new ArrayList<>();
        double logP = 0;
        for (int t = 0; t < predicted.size(); t++) {
            String tok = predicted.get(t);
            double p = out.getDouble(0, vocab.indexOf(tok), t);
            probs.add(p);
            unknown.add(!vocab.contains(tok));
            logP += Math.log(Math.max(p, 1e-30));
        }
        return new Score(sentence, List.copyOf(predicted), probs, unknown, logP, Math.exp(-logP / predicted.size()));
    }
}
