package org.rnnlab.generate;

import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.UserInputException;
import org.rnnlab.data.lm.TextFormat;
import org.rnnlab.data.lm.WordTokenizer;
import org.rnnlab.text.Vocabulary;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Beam search: the {@code width} most likely continuations of a seed text, each with its natural-log
 * probability under the model (the sum over its tokens, the {@code <eos>} that ends it included), sorted
 * from most to least likely. A continuation ends at an {@code <eos>} once it holds at least
 * {@code minWords} words (an earlier {@code <eos>} is not considered), or at {@code length} tokens.
 * The hypotheses run as one batch through {@code rnnTimeStep}; after each step the recurrent state rows
 * are reordered to follow the hypotheses that survive.
 */
public final class BeamSearch {

    private BeamSearch() {
    }

    /** One continuation: its tokens ({@code <eos>} last when it ended there), each token's probability, and its text. */
    public record Beam(List<String> tokens, List<Double> probabilities, double logProbability, boolean endedAtEos,
                       String text, String fullText) {
    }

    /** The continuations, best first, and the seed's tokens that were not in the vocabulary. */
    public record Result(List<Beam> beams, List<String> unknownSeedWords, String seedText) {
    }

    private record Hyp(List<Integer> ids, List<Double> probs, double logP, int row) {
    }

    public static Result search(MultiLayerNetwork net, Vocabulary vocab, TextFormat format, String seedText, int width,
                                int length, int minWords, boolean noUnk) {
        if (width < 1) {
            throw new UserInputException("--beam: must be at least 1 (got " + width + ")");
        }
        if (length < 1) {
            throw new UserInputException("--length: must be at least 1 (got " + length + ")");
        }
        Primer primer = Primer.of(vocab, format, seedText);
        int eos = vocab.contains(WordTokenizer.EOS) ? vocab.indexOf(WordTokenizer.EOS) : -1;
        int unk = vocab.unknownIndex();
        List<Hyp> done = new ArrayList<>();
        List<Hyp> active = new ArrayList<>();
        try {
            net.rnnClearPreviousState();
            double[][] logProbs = {log(Sampler.step(net, primer.ids()))};
            active.add(new Hyp(List.of(), List.of(), 0, 0));
            for (int step = 0; step < length && !active.isEmpty(); step++) {
                PriorityQueue<double[]> best = new PriorityQueue<>(Comparator.comparingDouble(c -> c[0]));
                for (int h = 0; h < active.size(); h++) {
                    Hyp hyp = active.get(h);
                    boolean mayEnd = eos >= 0 && format.wordCount(words(hyp, vocab)) >= minWords;
                    double[] lp = logProbs[hyp.row()];
                    for (int v = 0; v < lp.length; v++) {
                        if (v == unk && noUnk || v == eos && !mayEnd) {
                            continue;
                        }
                        double score = hyp.logP() + lp[v];
                        if (best.size() < width) {
                            best.add(new double[] {score, h, v});
                        } else if (score > best.peek()[0]) {
                            best.poll();
                            best.add(new double[] {score, h, v});
                        }
                    }
                }
                List<double[]> chosen = new ArrayList<>(best);
                chosen.sort(Comparator.comparingDouble((double[] c) -> -c[0]));
                List<Hyp> next = new ArrayList<>();
                List<Integer> parents = new ArrayList<>();
                for (double[] c : chosen) {
                    Hyp parent = active.get((int) c[1]);
                    int v = (int) c[2];
                    List<Integer> ids = new ArrayList<>(parent.ids());
                    ids.add(v);
                    List<Double> probs = new ArrayList<>(parent.probs());
                    probs.add(Math.exp(logProbs[parent.row()][v]));
                    if (v == eos) {
                        done.add(new Hyp(ids, probs, c[0], -1));
                    } else {
                        next.add(new Hyp(ids, probs, c[0], next.size()));
                        parents.add(parent.row());
                    }
                }
                active = next;
                done.sort(Comparator.comparingDouble((Hyp x) -> -x.logP()));
                // Log-probabilities only fall as a hypothesis grows: once width finished ones beat every live one, stop.
                if (done.size() >= width && (active.isEmpty()
                        || active.get(0).logP() <= done.get(width - 1).logP())) {
                    active = List.of();
                    break;
                }
                if (!active.isEmpty() && step + 1 < length) {
                    reorderState(net, parents);
                    logProbs = stepBatch(net, active.stream().mapToInt(x -> x.ids().get(x.ids().size() - 1)).toArray());
                }
            }
        } finally {
            net.rnnClearPreviousState();
        }
        List<Hyp> all = new ArrayList<>(done);
        all.addAll(active);
        all.sort(Comparator.comparingDouble((Hyp x) -> -x.logP()));
        List<Beam> beams = new ArrayList<>();
        for (Hyp h : all.subList(0, Math.min(width, all.size()))) {
            List<String> tokens = h.ids().stream().map(vocab::word).toList();
            boolean ended = h.row() < 0;
            List<String> shown = ended ? tokens.subList(0, tokens.size() - 1) : tokens;
            List<String> full = new ArrayList<>(primer.seedTokens());
            full.addAll(shown);
            beams.add(new Beam(tokens, h.probs(), h.logP(), ended, format.detokenize(shown), format.detokenize(full)));
        }
        return new Result(beams, primer.unknown(), format.detokenize(primer.seedTokens()));
    }

    private static List<String> words(Hyp h, Vocabulary vocab) {
        return h.ids().stream().map(vocab::word).toList();
    }

    private static double[] log(double[] p) {
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            // float32 softmax can underflow to 0; such a token is as good as impossible
            out[i] = Math.log(Math.max(p[i], 1e-30));
        }
        return out;
    }

    /** Keeps, for each surviving hypothesis in order, the recurrent state row of its parent. */
    private static void reorderState(MultiLayerNetwork net, List<Integer> parents) {
        int[] rows = parents.stream().mapToInt(Integer::intValue).toArray();
        for (int i = 0; i < net.getnLayers(); i++) {
            if (!(net.getLayer(i) instanceof RecurrentLayer)) {
                continue;
            }
            Map<String, INDArray> state = net.rnnGetPreviousState(i);
            if (state == null || state.isEmpty()) {
                continue;
            }
            Map<String, INDArray> reordered = new HashMap<>();
            state.forEach((k, v) -> reordered.put(k, v.getRows(rows)));
            net.rnnSetPreviousState(i, reordered);
        }
    }

    private static double[][] stepBatch(MultiLayerNetwork net, int[] tokens) {
        float[] f = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            f[i] = tokens[i];
        }
        INDArray out = net.rnnTimeStep(Nd4j.create(f, new long[] {tokens.length, 1, 1}, DataType.FLOAT));
        INDArray p = out.reshape(tokens.length, out.size(1)).castTo(DataType.DOUBLE);
        double[][] rows = new double[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            rows[i] = log(p.getRow(i).toDoubleVector());
        }
        return rows;
    }
}
