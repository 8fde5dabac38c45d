package org.rnnlab.data.lm;

import org.rnnlab.UserInputException;
import org.rnnlab.text.Vocabulary;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A language-modelling corpus as three word-index streams (train, valid, test) over a vocabulary
 * built from the training split only.
 */
public record LmCorpus(Vocabulary vocabulary, int[] train, int[] valid, int[] test) {

    /** The stream of a split by name: train, valid or test. */
    public int[] split(String name) {
        return switch (name) {
            case "train" -> train;
            case "valid" -> valid;
            case "test" -> test;
            default -> throw new UserInputException("split: expected train, valid or test (got '" + name + "')");
        };
    }

    /** Builds the vocabulary from the training lines and encodes every split with it (PTB's whitespace reading). */
    public static LmCorpus fromLines(List<String> trainLines, List<String> validLines, List<String> testLines,
                                     int maxVocab, long maxTrainWords, String source) {
        return fromLines(trainLines, validLines, testLines, maxVocab, maxTrainWords, source,
                new TextFormat(new WhitespaceTokenizer(), "line"));
    }

    /** Builds the vocabulary from the training tokens and encodes every split with it; refuses an empty split. */
    public static LmCorpus fromLines(List<String> trainLines, List<String> validLines, List<String> testLines,
                                     int maxVocab, long maxTrainWords, String source, TextFormat format) {
        Map<String, Long> counts = new HashMap<>();
        format.forEachToken(trainLines, w -> counts.merge(w, 1L, Long::sum));
        if (counts.isEmpty() || counts.size() == 1 && counts.containsKey(WordTokenizer.EOS)) {
            throw new UserInputException(source + ": the training text is empty");
        }
        Vocabulary vocab = Vocabulary.fromCounts(counts, maxVocab, List.of(WordTokenizer.UNK), WordTokenizer.UNK);
        int[] train = encode(trainLines, vocab, format);
        if (maxTrainWords > 0 && train.length > maxTrainWords) {
            train = java.util.Arrays.copyOf(train, (int) maxTrainWords);
        }
        int[] valid = encode(validLines, vocab, format);
        int[] test = encode(testLines, vocab, format);
        for (String name : List.of("valid", "test")) {
            if ((name.equals("valid") ? valid : test).length == 0) {
                throw new UserInputException(source + ": the " + name + " split is empty (no tokens); it needs text");
            }
        }
        return new LmCorpus(vocab, train, valid, test);
    }

    /** Encodes lines with an existing vocabulary, PTB's whitespace reading. */
    public static int[] encode(List<String> lines, Vocabulary vocab) {
        return encode(lines, vocab, new TextFormat(new WhitespaceTokenizer(), "line"));
    }

    /** Encodes lines with an existing vocabulary (for evaluation with a trained model). */
    public static int[] encode(List<String> lines, Vocabulary vocab, TextFormat format) {
        int[][] out = {new int[1024]};
        int[] n = {0};
        format.forEachToken(lines, w -> {
            if (n[0] == out[0].length) {
                out[0] = java.util.Arrays.copyOf(out[0], out[0].length * 2);
            }
            out[0][n[0]++] = vocab.indexOf(w);
        });
        return java.util.Arrays.copyOf(out[0], n[0]);
    }

    /** Where each split's text lives. */
    public record Files(Path train, Path valid, Path test) {
    }
}
