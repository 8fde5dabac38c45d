package org.rnnlab.data.lm;

import org.rnnlab.UserInputException;

import java.util.List;
import java.util.function.Consumer;

/**
 * How a language model cuts text into tokens and glues generated tokens back into text. Chosen by
 * {@code data.tokenizer} and stored with the config in every model file, so {@code eval}, {@code sample}
 * and {@code score} read text exactly as training did.
 */
public interface Tokenizer {

    /** The config name of this tokenizer. */
    String name();

    /** Feeds the tokens of {@code text} to {@code out}, in order (no end-of-sentence token). */
    void tokens(String text, Consumer<String> out);

    /** The tokens of {@code text} as a list. */
    default List<String> tokens(String text) {
        List<String> out = new java.util.ArrayList<>();
        tokens(text, out::add);
        return out;
    }

    /** Text a person reads for a token sequence; {@value WordTokenizer#EOS} becomes {@code eosText}. */
    String detokenize(List<String> tokens, String eosText);

    /**
     * The tokenizer of a config: {@code lowercase} folds case first (not for {@code whitespace}, which is
     * PTB's reading and stays exactly as it was).
     */
    static Tokenizer of(String name, boolean lowercase) {
        return switch (name) {
            case "whitespace" -> new WhitespaceTokenizer();
            case "words" -> new WordsTokenizer(lowercase);
            case "chars" -> new CharsTokenizer(lowercase);
            default -> throw new UserInputException("data.tokenizer: expected whitespace, words or chars (got '" + name + "')");
        };
    }
}
