package org.rnnlab.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Splits a review into words the way Keras users expect from {@code TextVectorization}'s default
 * standardisation ({@code lower_and_strip_punctuation}): lower-case, HTML line breaks
 * ({@code <br />}, as IMDB reviews contain them) turned into spaces, ASCII punctuation
 * ({@code !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~}, Python's {@code string.punctuation}) removed, then split
 * on whitespace.
 *
 * <p>Punctuation is deleted, not replaced by a space, exactly as Keras does: {@code "don't"} becomes
 * {@code "dont"}, {@code "well-made"} becomes {@code "wellmade"} and {@code "great!"} becomes
 * {@code "great"}. Non-ASCII letters and symbols are kept.
 */
public final class ReviewTokenizer {

    private static final Pattern LINE_BREAK = Pattern.compile("<br\\s*/?>", Pattern.CASE_INSENSITIVE);
    // Without UNICODE_CHARACTER_CLASS, \p{Punct} is the 32 ASCII punctuation characters.
    private static final Pattern PUNCTUATION = Pattern.compile("\\p{Punct}");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private final boolean lowercase;

    /** A tokenizer that lower-cases the text when {@code lowercase} (Keras' default). */
    public ReviewTokenizer(boolean lowercase) {
        this.lowercase = lowercase;
    }

    /** The words of {@code text}, in order; empty for a text without any word. */
    public List<String> tokens(String text) {
        String s = lowercase ? text.toLowerCase(Locale.ROOT) : text;
        s = LINE_BREAK.matcher(s).replaceAll(" ");
        s = PUNCTUATION.matcher(s).replaceAll("");
        List<String> out = new ArrayList<>();
        for (String w : WHITESPACE.split(s)) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }
}
