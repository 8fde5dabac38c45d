package org.rnnlab.generate;

import org.rnnlab.UserInputException;
import org.rnnlab.data.lm.TextFormat;
import org.rnnlab.data.lm.WordTokenizer;
import org.rnnlab.text.Vocabulary;

import java.util.List;

/**
 * What a generation starts from: the seed text's tokens, or with no seed the sentence end
 * {@code <eos>}, which is how the model saw every sentence begin.
 */
record Primer(int[] ids, List<String> seedTokens, List<String> unknown) {

    static Primer of(Vocabulary vocab, TextFormat format, String seedText) {
        List<String> seed = format.tokenizer().tokens(seedText == null ? "" : seedText);
        List<String> unknown = seed.stream().filter(w -> !vocab.contains(w)).distinct().toList();
        if (seed.isEmpty()) {
            if (!vocab.contains(WordTokenizer.EOS)) {
                throw new UserInputException("--seed-text: this model has no sentence ends (data.eos: none), so it needs a "
                        + "seed text to start from");
            }
            return new Primer(new int[] {vocab.indexOf(WordTokenizer.EOS)}, seed, unknown);
        }
        return new Primer(seed.stream().mapToInt(vocab::indexOf).toArray(), seed, unknown);
    }
}
