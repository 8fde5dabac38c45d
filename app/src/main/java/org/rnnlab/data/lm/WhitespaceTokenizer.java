package org.rnnlab.data.lm;

import java.util.List;
import java.util.function.Consumer;

/** PTB's reading: tokens are the whitespace-separated pieces of the text, joined by one space on output. */
public final class WhitespaceTokenizer implements Tokenizer {

    @Override
    public String name() {
        return "whitespace";
    }

    @Override
    public void tokens(String text, Consumer<String> out) {
        // The same split as WordTokenizer, which PTB results were measured with.
        for (String w : text.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                out.accept(w);
            }
        }
    }

    @Override
    public String detokenize(List<String> tokens, String eosText) {
        StringBuilder sb = new StringBuilder();
        for (String t : tokens) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(t.equals(WordTokenizer.EOS) ? eosText : t);
        }
        return sb.toString();
    }
}
