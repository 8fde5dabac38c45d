package org.rnnlab.data.lm;

import java.text.BreakIterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Words and punctuation as separate tokens, cut by the JDK's Unicode word {@link BreakIterator}
 * (UAX #29: {@code "said,"} is {@code said} and {@code ,}; {@code don't}, {@code well-known} and
 * {@code 3.50} stay whole), optionally lower-cased. Output puts no space before closing punctuation
 * and none after opening punctuation, and pairs straight quotes.
 */
public final class WordsTokenizer implements Tokenizer {

    private final boolean lowercase;

    public WordsTokenizer(boolean lowercase) {
        this.lowercase = lowercase;
    }

    @Override
    public String name() {
        return "words";
    }

    @Override
    public void tokens(String text, Consumer<String> out) {
        String s = lowercase ? text.toLowerCase(Locale.ROOT) : text;
        BreakIterator it = BreakIterator.getWordInstance(Locale.ROOT);
        it.setText(s);
        int start = it.first();
        for (int end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
            String t = s.substring(start, end);
            if (!t.isBlank()) {
                out.accept(t);
            }
        }
    }

    @Override
    public String detokenize(List<String> tokens, String eosText) {
        StringBuilder sb = new StringBuilder();
        boolean glueNext = true;
        boolean doubleOpen = false;
        boolean singleOpen = false;
        for (String t : tokens) {
            if (t.equals(WordTokenizer.EOS)) {
                sb.append(eosText);
                glueNext = eosText.isEmpty() || Character.isWhitespace(eosText.charAt(eosText.length() - 1));
                continue;
            }
            boolean glueBefore;
            boolean glueAfter;
            if (t.equals("\"") || t.equals("'")) {
                boolean open = t.equals("\"") ? !doubleOpen : !singleOpen;
                if (t.equals("\"")) {
                    doubleOpen = open;
                } else {
                    singleOpen = open;
                }
                glueBefore = !open;
                glueAfter = open;
            } else {
                glueBefore = isClosing(t) || isJoiner(t);
                glueAfter = isOpening(t) || isJoiner(t);
            }
            if (!glueNext && !glueBefore) {
                sb.append(' ');
            }
            sb.append(t);
            glueNext = glueAfter;
        }
        return sb.toString();
    }

    /** Punctuation that closes what precedes it: {@code . , ; : ! ? ) ] } ”} and the like. */
    private static boolean isClosing(String t) {
        return allOf(t, cp -> {
            int type = Character.getType(cp);
            return type == Character.END_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                    || ".,;:!?%…".indexOf(cp) >= 0;
        });
    }

    /** Punctuation that opens what follows: {@code ( [ { “ ¿ ¡} and currency signs. */
    private static boolean isOpening(String t) {
        return allOf(t, cp -> {
            int type = Character.getType(cp);
            return type == Character.START_PUNCTUATION || type == Character.INITIAL_QUOTE_PUNCTUATION
                    || type == Character.CURRENCY_SYMBOL || "¿¡#".indexOf(cp) >= 0;
        });
    }

    /** Dashes and slashes, which books write without spaces ({@code well—known}, {@code and/or}). */
    private static boolean isJoiner(String t) {
        return allOf(t, cp -> Character.getType(cp) == Character.DASH_PUNCTUATION || cp == '/');
    }

    private static boolean allOf(String t, java.util.function.IntPredicate p) {
        return !t.isEmpty() && t.codePoints().allMatch(p);
    }
}
