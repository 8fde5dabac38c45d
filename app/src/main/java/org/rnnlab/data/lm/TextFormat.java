package org.rnnlab.data.lm;

import org.rnnlab.config.LmConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * How a language model reads lines of text into one token stream: its {@link Tokenizer} and where
 * {@value WordTokenizer#EOS} goes ({@code data.eos}): after every line ({@code line}, PTB's
 * one-sentence-per-line files), after every paragraph, a run of non-blank lines ({@code paragraph}), or
 * nowhere ({@code none}: a hard-wrapped book read as one stream). Lines joined inside a paragraph or
 * stream are separated as by a space, which is a token only for {@code chars}.
 */
public record TextFormat(Tokenizer tokenizer, String eos) {

    /** The format of a config's data section. */
    public static TextFormat of(LmConfig.Data data) {
        return new TextFormat(Tokenizer.of(data.tokenizer(), data.lowercase()), data.eos());
    }

    /** Whether the stream has sentence ends at all. */
    public boolean hasEos() {
        return !eos.equals("none");
    }

    /** Feeds the token stream of {@code lines} to {@code out}. */
    public void forEachToken(List<String> lines, Consumer<String> out) {
        switch (eos) {
            case "line" -> {
                for (String line : lines) {
                    // PTB's lines start and end with a space; for chars that would be two extra tokens per sentence.
                    tokenizer.tokens(tokenizer instanceof CharsTokenizer ? line.strip() : line, out);
                    out.accept(WordTokenizer.EOS);
                }
            }
            case "paragraph", "none" -> {
                boolean paragraphs = eos.equals("paragraph");
                List<String> gap = tokenizer.tokens(" ");
                boolean open = false;
                for (String line : lines) {
                    if (line.isBlank()) {
                        if (open && paragraphs) {
                            out.accept(WordTokenizer.EOS);
                            open = false;
                        }
                        continue;
                    }
                    if (open) {
                        gap.forEach(out);
                    }
                    tokenizer.tokens(line.strip(), out);
                    open = true;
                }
                if (open && paragraphs) {
                    out.accept(WordTokenizer.EOS);
                }
            }
            default -> throw new IllegalStateException("data.eos " + eos);
        }
    }

    /** The tokens of one sentence a user gives ({@code score}): the text's tokens, then {@value WordTokenizer#EOS} if the model has sentence ends. */
    public List<String> sentenceTokens(String sentence) {
        List<String> out = new ArrayList<>();
        tokenizer.tokens(tokenizer instanceof CharsTokenizer ? sentence.strip() : sentence, out::add);
        if (hasEos()) {
            out.add(WordTokenizer.EOS);
        }
        return out;
    }

    /** How a sentence end inside generated text is shown. */
    public String eosText() {
        return tokenizer instanceof WhitespaceTokenizer ? WordTokenizer.EOS : " ";
    }

    /** Generated tokens as text a person reads. */
    public String detokenize(List<String> tokens) {
        return tokenizer.detokenize(tokens, eosText());
    }

    /** The number of words in a token sequence as a reader counts them: pieces of its text holding a letter or digit. */
    public int wordCount(List<String> tokens) {
        int n = 0;
        for (String piece : detokenize(tokens).split("\\s+")) {
            if (piece.codePoints().anyMatch(Character::isLetterOrDigit) || piece.equals(WordTokenizer.UNK)) {
                n++;
            }
        }
        return n;
    }
}
