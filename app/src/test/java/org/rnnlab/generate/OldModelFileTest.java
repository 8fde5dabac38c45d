package org.rnnlab.generate;

import org.junit.jupiter.api.Test;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.TextFormat;
import org.rnnlab.eval.LmScorer;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A model file written before data.tokenizer existed (by the code of commit 97d47f4: a 1 x 4 LSTM on a toy
 * corpus) still loads, reads text as PTB's whitespace, and samples exactly what that code sampled.
 */
class OldModelFileTest {

    private static ModelFile.Loaded load() throws Exception {
        Path file = Path.of(OldModelFileTest.class.getResource("lm-before-tokenizers.zip").toURI());
        return ModelFile.read(file, ModelKind.LM, "sample", false);
    }

    @Test
    void readsAsWhitespaceAndSamplesAsBefore() throws Exception {
        ModelFile.Loaded m = load();
        LmConfig cfg = (LmConfig) m.config();
        assertEquals("whitespace", cfg.data().tokenizer());
        assertEquals("line", cfg.data().eos());
        TextFormat format = TextFormat.of(cfg.data());
        Sampler.Result r = Sampler.sample(m.network(), m.vocabulary(), format,
                new Sampler.Request("the cat", 8, 1.0, 0, 3, 2, false));
        // Printed by the old code: scripts/rnnlab sample --seed-text "the cat" --seed 3 --count 2 --length 8 --no-stop-at-eos
        assertEquals(List.of("the cat likes a tree <eos> a dog likes the", "the cat likes a tree <eos> cat a dog sees"),
                r.samples().stream().map(s -> r.fullText(s, format)).toList());
        LmScorer.Score s = new LmScorer(m.network(), m.vocabulary(), format).score("the cat likes a tree");
        assertEquals(List.of("the", "cat", "likes", "a", "tree", "<eos>"), s.tokens());
        assertTrue(s.perplexity() < 4, "the toy grammar is learnt: " + s.perplexity());
    }
}
