package org.rnnlab.data.lm;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns corpus lines into the language model's word stream: whitespace-separated words, each line
 * closed by {@value #EOS}, exactly as the TensorFlow PTB tutorial reads its files.
 */
public final class WordTokenizer {

    public static final String EOS = "<eos>";
    public static final String UNK = "<unk>";

    private WordTokenizer() {
    }

    /** The words of one line followed by {@value #EOS}. */
    public static List<String> lineTokens(String line) {
        List<String> out = new ArrayList<>();
        for (String w : line.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        out.add(EOS);
        return out;
    }

    /** The words of free text (a sampling seed): no {@value #EOS} added. */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        for (String w : text.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }
}
