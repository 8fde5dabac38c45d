package org.rnnlab.generate;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rnnlab.UserInputException;
import org.rnnlab.data.lm.WordTokenizer;
import org.rnnlab.text.Vocabulary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Generates text from a language model: primes the recurrent state with seed words, then draws
 * one word at a time from the softmax, sharpened or flattened by a temperature and optionally cut
 * to the {@code topK} most likely words. Temperature 0 takes the most likely word. The draws come
 * from one {@link Random} seeded by the caller, so the same seed gives the same text.
 */
public final class Sampler {

    private Sampler() {
    }

    /** What to generate. {@code temperature} 0 means greedy; {@code topK} 0 means no cut. */
    public record Request(String seedText, int length, double temperature, int topK, long seed, int count,
                          boolean stopAtEos) {
        public Request {
            if (length < 1) {
                throw new UserInputException("--length: must be at least 1 (got " + length + ")");
            }
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new UserInputException("--temperature: must be 0 (greedy) or a positive number (got " + temperature + ")");
            }
            if (topK < 0) {
                throw new UserInputException("--top-k: must be 0 (no cut) or positive (got " + topK + ")");
            }
            if (count < 1) {
                throw new UserInputException("--count: must be at least 1 (got " + count + ")");
            }
        }
    }

    /** One generated text: its words and the model's probability of each. */
    public record Sample(List<String> words, List<Double> probabilities, boolean endedAtEos) {
        public String text() {
            return String.join(" ", words);
        }
    }

    /** The samples, plus the seed words that were not in the vocabulary (mapped to unknown). */
    public record Result(List<Sample> samples, List<String> unknownSeedWords) {
    }

    public static Result sample(MultiLayerNetwork net, Vocabulary vocab, Request req) {
        List<String> seedWords = WordTokenizer.words(req.seedText() == null ? "" : req.seedText());
        List<String> unknown = seedWords.stream().filter(w -> !vocab.contains(w)).distinct().toList();
        // With no seed the model starts as after a sentence end, which is how PTB sentences begin.
        int[] primer = seedWords.isEmpty()
                ? new int[] {vocab.indexOf(WordTokenizer.EOS)}
                : seedWords.stream().mapToInt(vocab::indexOf).toArray();
        int eos = vocab.contains(WordTokenizer.EOS) ? vocab.indexOf(WordTokenizer.EOS) : -1;
        Random random = new Random(req.seed());
        List<Sample> samples = new ArrayList<>();
        try {
            for (int s = 0; s < req.count(); s++) {
                net.rnnClearPreviousState();
                double[] probs = step(net, primer);
                List<String> words = new ArrayList<>();
                List<Double> wordProbs = new ArrayList<>();
                boolean ended = false;
                for (int i = 0; i < req.length(); i++) {
                    int next = choose(probs, req.temperature(), req.topK(), random);
                    if (next == eos && req.stopAtEos()) {
                        ended = true;
                        break;
                    }
                    words.add(vocab.word(next));
                    wordProbs.add(probs[next]);
                    if (i + 1 < req.length()) {
                        probs = step(net, new int[] {next});
                    }
                }
                samples.add(new Sample(words, wordProbs, ended));
            }
        } finally {
            net.rnnClearPreviousState();
        }
        return new Result(samples, unknown);
    }

    /** Feeds words through the network with carried state; returns the distribution after the last one. */
    private static double[] step(MultiLayerNetwork net, int[] words) {
        float[] f = new float[words.length];
        for (int i = 0; i < words.length; i++) {
            f[i] = words[i];
        }
        INDArray in = Nd4j.create(f, new long[] {1, 1, words.length}, DataType.FLOAT);
        INDArray out = net.rnnTimeStep(in);
        INDArray last = out.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(words.length - 1));
        return last.castTo(DataType.DOUBLE).toDoubleVector();
    }

    /** Draws an index from {@code probs} under temperature and top-k; exposed for tests. */
    static int choose(double[] probs, double temperature, int topK, Random random) {
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < probs.length; i++) {
                if (probs[i] > probs[best]) {
                    best = i;
                }
            }
            return best;
        }
        double threshold = Double.NEGATIVE_INFINITY;
        if (topK > 0 && topK < probs.length) {
            double[] sorted = probs.clone();
            Arrays.sort(sorted);
            threshold = sorted[sorted.length - topK];
        }
        double[] w = new double[probs.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < probs.length; i++) {
            w[i] = probs[i] >= threshold && probs[i] > 0 ? Math.log(probs[i]) / temperature : Double.NEGATIVE_INFINITY;
            max = Math.max(max, w[i]);
        }
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] = w[i] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(w[i] - max);
            sum += w[i];
        }
        double u = random.nextDouble() * sum;
        int last = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] > 0) {
                last = i;
                u -= w[i];
                if (u <= 0) {
                    return i;
                }
            }
        }
        return last;
    }
}
