package org.rnnlab.generate;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.TextFormat;
import org.rnnlab.data.lm.Tokenizer;
import org.rnnlab.eval.LmScorer;
import org.rnnlab.model.LmModelFactory;
import org.rnnlab.text.Vocabulary;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class BeamSearchTest {

    private static final Vocabulary VOCAB = Vocabulary.fromCounts(
            Map.of("<eos>", 9L, "the", 8L, "cat", 7L, "sat", 6L, ".", 5L, "mat", 4L, ",", 3L, "ran", 2L),
            20, List.of("<unk>"), "<unk>");
    private static final TextFormat WORDS = new TextFormat(Tokenizer.of("words", false), "line");

    private static MultiLayerNetwork model() {
        LmConfig cfg = (LmConfig) ConfigLoader.parse("task: lm\nseed: 9\nmodel: {layers: 2, hidden_size: 6, init_scale: 1.0}\n", "t");
        MultiLayerNetwork net = new MultiLayerNetwork(LmModelFactory.build(cfg, VOCAB.size()));
        net.init();
        return net;
    }

    @Test
    void beamsAreSortedAndTheirLogProbabilitiesAreScores() {
        MultiLayerNetwork net = model();
        BeamSearch.Result r = BeamSearch.search(net, VOCAB, WORDS, "", 5, 12, 2, true);
        List<BeamSearch.Beam> beams = r.beams();
        assertEquals(5, beams.size());
        LmScorer scorer = new LmScorer(net, VOCAB, WORDS);
        for (int i = 0; i < beams.size(); i++) {
            BeamSearch.Beam b = beams.get(i);
            if (i > 0) {
                assertTrue(beams.get(i - 1).logProbability() >= b.logProbability(), "sorted best first");
            }
            assertFalse(b.tokens().contains("<unk>"));
            double sum = b.probabilities().stream().mapToDouble(Math::log).sum();
            assertEquals(sum, b.logProbability(), 1e-6);
            if (b.endedAtEos()) {
                LmScorer.Score s = scorer.score(b.text());
                assertEquals(b.tokens(), s.tokens(), "the beam's text reads back as its tokens");
                assertEquals(s.logProbability(), b.logProbability(), 1e-4, b.text());
            }
        }
        assertTrue(beams.stream().anyMatch(BeamSearch.Beam::endedAtEos));
        assertEquals(r, BeamSearch.search(net, VOCAB, WORDS, "", 5, 12, 2, true), "deterministic");
    }

    @Test
    void scoreRanksAndReportsEveryToken() {
        MultiLayerNetwork net = model();
        LmScorer scorer = new LmScorer(net, VOCAB, WORDS);
        LmScorer.Score s = scorer.score("the cat sat, the zebra ran.");
        assertEquals(List.of("the", "cat", "sat", ",", "the", "zebra", "ran", ".", "<eos>"), s.tokens());
        assertEquals(List.of(false, false, false, false, false, true, false, false, false), s.unknown());
        double sum = s.probabilities().stream().mapToDouble(Math::log).sum();
        assertEquals(sum, s.logProbability(), 1e-9);
        assertEquals(Math.exp(-sum / 9), s.perplexity(), 1e-9);
        assertEquals(s, scorer.score("the cat sat, the zebra ran."), "the state is cleared between sentences");
    }
}
