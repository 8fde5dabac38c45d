package org.rnnlab.text;

import org.rnnlab.UserInputException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable word ↔ index mapping, built from word counts of a training text. Words are ordered
 * by descending count, ties broken alphabetically (as the TensorFlow PTB tutorial does), after any
 * reserved tokens. Words outside the vocabulary map to the unknown token.
 *
 * <p>Saved as plain text, one word per line in index order, so a model file's vocabulary can be
 * read by anyone.
 */
public final class Vocabulary {

    private final List<String> words;
    private final Map<String, Integer> index;
    private final int unknownIndex;

    private Vocabulary(List<String> words, String unknownToken) {
        this.words = List.copyOf(words);
        Map<String, Integer> m = new HashMap<>(words.size() * 2);
        for (int i = 0; i < words.size(); i++) {
            if (m.put(words.get(i), i) != null) {
                throw new IllegalArgumentException("Duplicate word in vocabulary: '" + words.get(i) + "'");
            }
        }
        this.index = m;
        Integer unk = m.get(unknownToken);
        if (unk == null) {
            throw new IllegalArgumentException("Vocabulary lacks the unknown token '" + unknownToken + "'");
        }
        this.unknownIndex = unk;
    }

    /**
     * Builds a vocabulary of at most {@code maxSize} entries: the {@code reserved} tokens first (in
     * order; they must include {@code unknownToken}), then the most frequent counted words.
     */
    public static Vocabulary fromCounts(Map<String, Long> counts, int maxSize, List<String> reserved,
                                        String unknownToken) {
        if (!reserved.contains(unknownToken)) {
            throw new IllegalArgumentException("Reserved tokens must include " + unknownToken);
        }
        if (maxSize < reserved.size()) {
            throw new IllegalArgumentException("Vocabulary size " + maxSize + " is smaller than the "
                    + reserved.size() + " reserved tokens");
        }
        List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed()
                .thenComparing(Map.Entry::getKey));
        List<String> words = new ArrayList<>(reserved);
        for (Map.Entry<String, Long> e : entries) {
            if (words.size() >= maxSize) {
                break;
            }
            if (!reserved.contains(e.getKey())) {
                words.add(e.getKey());
            }
        }
        return new Vocabulary(words, unknownToken);
    }

    /** Rebuilds a vocabulary saved with {@link #toText()}. */
    public static Vocabulary fromText(String text, String unknownToken, String source) {
        List<String> words = text.lines().toList();
        try {
            return new Vocabulary(words, unknownToken);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(source + ": invalid vocabulary: " + e.getMessage());
        }
    }

    /** One word per line, in index order. */
    public String toText() {
        return String.join("\n", words) + "\n";
    }

    public int size() {
        return words.size();
    }

    /** The index of a word, or of the unknown token for a word outside the vocabulary. */
    public int indexOf(String word) {
        return index.getOrDefault(word, unknownIndex);
    }

    public boolean contains(String word) {
        return index.containsKey(word);
    }

    public String word(int i) {
        return words.get(i);
    }

    public int unknownIndex() {
        return unknownIndex;
    }

    public List<String> words() {
        return Collections.unmodifiableList(words);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && v.words.equals(words) && v.unknownIndex == unknownIndex;
    }

    @Override
    public int hashCode() {
        return Objects.hash(words, unknownIndex);
    }
}
