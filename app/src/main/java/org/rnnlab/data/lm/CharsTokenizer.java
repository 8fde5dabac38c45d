package org.rnnlab.data.lm;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/** One token per Unicode code point (char-rnn's reading); output joins them with nothing in between. */
public final class CharsTokenizer implements Tokenizer {

    /** One shared string per BMP character: a book read as characters would otherwise be millions of small strings. */
    private static final String[] BMP = new String[Character.MAX_VALUE + 1];

    private final boolean lowercase;

    public CharsTokenizer(boolean lowercase) {
        this.lowercase = lowercase;
    }

    @Override
    public String name() {
        return "chars";
    }

    @Override
    public void tokens(String text, Consumer<String> out) {
        String s = lowercase ? text.toLowerCase(Locale.ROOT) : text;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            out.accept(token(cp));
        }
    }

    private static String token(int cp) {
        if (cp > Character.MAX_VALUE) {
            return new String(Character.toChars(cp));
        }
        String t = BMP[cp];
        if (t == null) {
            t = String.valueOf((char) cp);
            BMP[cp] = t;
        }
        return t;
    }

    @Override
    public String detokenize(List<String> tokens, String eosText) {
        StringBuilder sb = new StringBuilder();
        for (String t : tokens) {
            sb.append(t.equals(WordTokenizer.EOS) ? eosText : t);
        }
        return sb.toString();
    }
}
