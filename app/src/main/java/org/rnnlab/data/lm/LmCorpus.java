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

    /** Builds the vocabulary from the training lines and encodes every split with it. */
    public static LmCorpus fromLines(List<String> trainLines, List<String> validLines, List<String> testLines,
                                     int maxVocab, long maxTrainWords, String source) {
        Map<String, Long> counts = new HashMap<>();
        for (String line : trainLines) {
            for (String w : WordTokenizer.lineTokens(line)) {
                counts.merge(w, 1L, Long::sum);
            }
        }
        if (counts.size() <= 1) {
            throw new UserInputException(source + ": the training text is empty");
        }
        Vocabulary vocab = Vocabulary.fromCounts(counts, maxVocab, List.of(WordTokenizer.UNK), WordTokenizer.UNK);
        int[] train = encode(trainLines, vocab);
        if (maxTrainWords > 0 && train.length > maxTrainWords) {
            train = java.util.Arrays.copyOf(train, (int) maxTrainWords);
        }
        return new LmCorpus(vocab, train, encode(validLines, vocab), encode(testLines, vocab));
    }

    /** Encodes lines with an existing vocabulary (for evaluation with a trained model). */
    public static int[] encode(List<String> lines, Vocabulary vocab) {
        int n = 0;
        for (String line : lines) {
            n += WordTokenizer.lineTokens(line).size();
        }
        int[] out = new int[n];
        int i = 0;
        for (String line : lines) {
            for (String w : WordTokenizer.lineTokens(line)) {
                out[i++] = vocab.indexOf(w);
            }
        }
        return out;
    }

    /** Where each split's text lives. */
    public record Files(Path train, Path valid, Path test) {
    }
}
