package org.rnnlab.text;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a review into the word indices a sentiment model reads: the {@link ReviewTokenizer}'s words
 * looked up in the vocabulary (words outside it become {@value #UNK}), cut to {@code maxLen} on the
 * configured side ({@code pre} keeps the last words, as Keras' {@code pad_sequences} does by default;
 * {@code post} keeps the first).
 *
 * <p>Index 0 is {@value #PAD} and index 1 is {@value #UNK}, as in Keras' {@code TextVectorization}.
 * A review without any word is encoded as a single {@value #UNK}: the network needs at least one
 * time step, and an unknown word is the honest input for "nothing known".
 */
public final class ReviewEncoder {

    public static final String PAD = "<pad>";
    public static final String UNK = "<unk>";
    /** Reserved vocabulary entries, in index order. */
    public static final List<String> RESERVED = List.of(PAD, UNK);

    /** One encoded review: its word indices (at most {@code maxLen}), how many words it had and how many were unknown. */
    public record Encoded(int[] ids, int words, int unknownWords) {
        /** True when the text had no word at all (it is encoded as one {@value #UNK}). */
        public boolean empty() {
            return words == 0;
        }

        /** True when the text had words but none of them is in the vocabulary. */
        public boolean noKnownWord() {
            return words > 0 && unknownWords == words;
        }
    }

    private final ReviewTokenizer tokenizer;
    private final Vocabulary vocabulary;
    private final int maxLen;
    private final boolean keepLast;

    /**
     * @param truncating {@code pre} (drop words at the start, keep the last {@code maxLen}) or
     *                   {@code post} (drop words at the end)
     */
    public ReviewEncoder(ReviewTokenizer tokenizer, Vocabulary vocabulary, int maxLen, String truncating) {
        if (!vocabulary.word(0).equals(PAD) || vocabulary.unknownIndex() != 1) {
            throw new IllegalArgumentException("A review vocabulary starts with " + RESERVED);
        }
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        this.maxLen = maxLen;
        this.keepLast = switch (truncating) {
            case "pre" -> true;
            case "post" -> false;
            default -> throw new IllegalArgumentException("truncating must be pre or post: " + truncating);
        };
    }

    /** Builds the vocabulary of at most {@code size} entries (the reserved two included) from tokenized training reviews. */
    public static Vocabulary buildVocabulary(Iterable<List<String>> tokenizedReviews, int size) {
        Map<String, Long> counts = new HashMap<>();
        for (List<String> review : tokenizedReviews) {
            for (String w : review) {
                counts.merge(w, 1L, Long::sum);
            }
        }
        return Vocabulary.fromCounts(counts, size, RESERVED, UNK);
    }

    public Encoded encode(String text) {
        List<String> words = tokenizer.tokens(text);
        if (words.isEmpty()) {
            return new Encoded(new int[] {vocabulary.unknownIndex()}, 0, 0);
        }
        int[] all = new int[words.size()];
        int unknown = 0;
        for (int i = 0; i < all.length; i++) {
            all[i] = vocabulary.indexOf(words.get(i));
            if (all[i] == vocabulary.unknownIndex()) {
                unknown++;
            }
        }
        int[] kept = all.length <= maxLen ? all
                : keepLast ? Arrays.copyOfRange(all, all.length - maxLen, all.length)
                : Arrays.copyOf(all, maxLen);
        return new Encoded(kept, all.length, unknown);
    }

    public ReviewTokenizer tokenizer() {
        return tokenizer;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    public int maxLen() {
        return maxLen;
    }
}
