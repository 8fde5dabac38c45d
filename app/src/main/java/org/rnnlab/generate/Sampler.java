package org.rnnlab.generate;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rnnlab.UserInputException;
import org.rnnlab.data.lm.TextFormat;
import org.rnnlab.data.lm.WhitespaceTokenizer;
import org.rnnlab.data.lm.WordTokenizer;
import org.rnnlab.text.Vocabulary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Generates text from a language model: primes the recurrent state with the seed text (read by the
 * model's own tokenizer), then draws one token at a time from the softmax, sharpened or flattened by a
 * temperature and optionally cut to the {@code topK} most likely tokens and to the smallest set holding
 * {@code topP} of the probability (nucleus sampling). Temperature 0 takes the most likely token.
 * {@code noUnk} never draws the unknown token. With {@code stopAtEos} a sample ends at the first
 * {@code <eos>} that closes a generated sentence of at least {@code minWords} words; an {@code <eos>}
 * before that (the seed's own sentence ending at once) is kept and generation goes on. The draws come
 * from one {@link Random} seeded by the caller, so the same seed gives the same text.
 */
public final class Sampler {

    static final TextFormat PTB = new TextFormat(new WhitespaceTokenizer(), "line");

    private Sampler() {
    }

    /** What to generate. {@code temperature} 0 means greedy; {@code topK} 0 and {@code topP} 1 mean no cut. */
    public record Request(String seedText, int length, double temperature, int topK, double topP, long seed, int count,
                          boolean stopAtEos, boolean noUnk, int minWords) {
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
            if (!(topP > 0 && topP <= 1)) {
                throw new UserInputException("--top-p: must be above 0 and at most 1 (got " + topP + ")");
            }
            if (count < 1) {
                throw new UserInputException("--count: must be at least 1 (got " + count + ")");
            }
            if (minWords < 0) {
                throw new UserInputException("--min-words: must be 0 or more (got " + minWords + ")");
            }
        }

        /** Plain sampling: no nucleus cut, {@code <unk>} allowed, at least one word before stopping. */
        public Request(String seedText, int length, double temperature, int topK, long seed, int count, boolean stopAtEos) {
            this(seedText, length, temperature, topK, 1.0, seed, count, stopAtEos, false, 1);
        }
    }

    /**
     * One generated text: its tokens and the model's probability of each (the {@code <eos>} it stopped at
     * included, when it did), and the generated part as text a person reads.
     */
    public record Sample(List<String> tokens, List<Double> probabilities, boolean endedAtEos, String text) {
        /** The generated tokens without the {@code <eos>} the sample stopped at. */
        public List<String> words() {
            return endedAtEos ? tokens.subList(0, tokens.size() - 1) : tokens;
        }
    }

    /** The samples, the seed's tokens and text, and the seed tokens that were not in the vocabulary. */
    public record Result(List<Sample> samples, List<String> unknownSeedWords, List<String> seedTokens, String seedText) {
        /** Seed and sample together, as one text. */
        public String fullText(Sample s, TextFormat format) {
            List<String> all = new ArrayList<>(seedTokens);
            all.addAll(s.words());
            return format.detokenize(all);
        }
    }

    /** Samples with PTB's whitespace reading. */
    public static Result sample(MultiLayerNetwork net, Vocabulary vocab, Request req) {
        return sample(net, vocab, PTB, req);
    }

    public static Result sample(MultiLayerNetwork net, Vocabulary vocab, TextFormat format, Request req) {
        Primer primer = Primer.of(vocab, format, req.seedText());
        int eos = vocab.contains(WordTokenizer.EOS) ? vocab.indexOf(WordTokenizer.EOS) : -1;
        int unk = vocab.unknownIndex();
        Random random = new Random(req.seed());
        List<Sample> samples = new ArrayList<>();
        try {
            for (int s = 0; s < req.count(); s++) {
                net.rnnClearPreviousState();
                double[] probs = step(net, primer.ids());
                List<String> tokens = new ArrayList<>();
                List<Double> tokenProbs = new ArrayList<>();
                boolean ended = false;
                int sentenceStart = 0;
                for (int i = 0; i < req.length(); i++) {
                    double[] allowed = probs;
                    if (req.noUnk()) {
                        allowed = probs.clone();
                        allowed[unk] = 0;
                    }
                    int next = choose(allowed, req.temperature(), req.topK(), req.topP(), random);
                    tokens.add(vocab.word(next));
                    tokenProbs.add(probs[next]);
                    if (next == eos && req.stopAtEos()) {
                        if (format.wordCount(tokens.subList(sentenceStart, tokens.size() - 1)) >= req.minWords()) {
                            ended = true;
                            break;
                        }
                        sentenceStart = tokens.size();
                    }
                    if (i + 1 < req.length()) {
                        probs = step(net, new int[] {next});
                    }
                }
                List<String> shown = ended ? tokens.subList(0, tokens.size() - 1) : tokens;
                samples.add(new Sample(List.copyOf(tokens), List.copyOf(tokenProbs), ended, format.detokenize(shown)));
            }
        } finally {
            net.rnnClearPreviousState();
        }
        return new Result(samples, primer.unknown(), primer.seedTokens(), format.detokenize(primer.seedTokens()));
    }

    /** Feeds tokens through the network with carried state; returns the distribution after the last one. */
    static double[] step(MultiLayerNetwork net, int[] tokens) {
        float[] f = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            f[i] = tokens[i];
        }
        INDArray in = Nd4j.create(f, new long[] {1, 1, tokens.length}, DataType.FLOAT);
        INDArray out = net.rnnTimeStep(in);
        INDArray last = out.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(tokens.length - 1));
        return last.castTo(DataType.DOUBLE).toDoubleVector();
    }

    /** {@link #choose(double[], double, int, double, Random)} without a nucleus cut. */
    static int choose(double[] probs, double temperature, int topK, Random random) {
        return choose(probs, temperature, topK, 1.0, random);
    }

    /**
     * Draws an index from {@code probs} under temperature, top-k (exactly k tokens: ties at the cut-off go
     * to the lower index) and top-p (the most likely tokens, after the temperature, until their probability
     * reaches {@code topP}); exposed for tests.
     */
    static int choose(double[] probs, double temperature, int topK, double topP, Random random) {
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < probs.length; i++) {
                if (probs[i] > probs[best]) {
                    best = i;
                }
            }
            return best;
        }
        double[] w = new double[probs.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < probs.length; i++) {
            w[i] = probs[i] > 0 ? Math.log(probs[i]) / temperature : Double.NEGATIVE_INFINITY;
            max = Math.max(max, w[i]);
        }
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] = w[i] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(w[i] - max);
            sum += w[i];
        }
        boolean cutK = topK > 0 && topK < probs.length;
        if (cutK || topP < 1) {
            Integer[] order = new Integer[probs.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            // Stable: equal weights keep index order, so the cut-off is the same on every run.
            Arrays.sort(order, (a, b) -> Double.compare(w[b], w[a]));
            int keep = cutK ? topK : probs.length;
            if (topP < 1) {
                double mass = 0;
                for (int r = 0; r < keep; r++) {
                    mass += w[order[r]];
                    if (mass >= topP * sum) {
                        keep = r + 1;
                        break;
                    }
                }
            }
            for (int r = keep; r < order.length; r++) {
                w[order[r]] = 0;
            }
            sum = 0;
            for (double x : w) {
                sum += x;
            }
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
