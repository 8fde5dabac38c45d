package org.rnnlab.generate;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.rnnlab.UserInputException;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.model.LmModelFactory;
import org.rnnlab.text.Vocabulary;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SamplerTest {

    private static final Vocabulary VOCAB = Vocabulary.fromCounts(
            Map.of("<eos>", 9L, "the", 8L, "cat", 7L, "sat", 6L, "on", 5L, "mat", 4L, "dog", 3L, "ran", 2L),
            20, List.of("<unk>"), "<unk>");

    private static MultiLayerNetwork model() {
        LmConfig cfg = (LmConfig) ConfigLoader.parse("task: lm\nseed: 5\nmodel: {layers: 1, hidden_size: 6, init_scale: 1.0}\n", "t");
        MultiLayerNetwork net = new MultiLayerNetwork(LmModelFactory.build(cfg, VOCAB.size()));
        net.init();
        return net;
    }

    private static Sampler.Request req(String seedText, double temperature, int topK, long seed, boolean stopAtEos) {
        return new Sampler.Request(seedText, 30, temperature, topK, seed, 3, stopAtEos);
    }

    @Test
    void sameSeedSameTextDifferentSeedDifferentText() {
        MultiLayerNetwork net = model();
        Sampler.Result a = Sampler.sample(net, VOCAB, req("the cat", 1.0, 0, 7, false));
        Sampler.Result b = Sampler.sample(net, VOCAB, req("the cat", 1.0, 0, 7, false));
        Sampler.Result c = Sampler.sample(net, VOCAB, req("the cat", 1.0, 0, 8, false));
        assertEquals(a, b);
        assertEquals(3, a.samples().size());
        assertEquals(30, a.samples().get(0).words().size());
        assertNotEquals(a.samples(), c.samples());
    }

    @Test
    void greedyIsArgmaxAndTopOneEqualsGreedy() {
        MultiLayerNetwork net = model();
        Sampler.Result greedy = Sampler.sample(net, VOCAB, req("the", 0, 0, 1, false));
        Sampler.Result top1 = Sampler.sample(net, VOCAB, req("the", 0.7, 1, 99, false));
        assertEquals(greedy.samples().get(0).words(), top1.samples().get(0).words());
        assertEquals(greedy.samples().get(0), greedy.samples().get(1), "greedy samples are all the same");
    }

    @Test
    void stopsAtEosUnlessAskedNotTo() {
        MultiLayerNetwork net = model();
        Sampler.Result r = Sampler.sample(net, VOCAB, new Sampler.Request("the", 200, 1.0, 0, 3, 5, true));
        for (Sampler.Sample s : r.samples()) {
            List<String> w = s.words();
            for (int i = 0; i < w.size(); i++) {
                // An <eos> is passed over only where it would close a sentence of no words (the seed's own).
                assertTrue(!w.get(i).equals("<eos>") || i == 0 || w.get(i - 1).equals("<eos>"), w.toString());
            }
            assertTrue(s.endedAtEos() || s.words().size() == 200);
            if (s.endedAtEos()) {
                assertEquals("<eos>", s.tokens().get(s.tokens().size() - 1), "the <eos> it stopped at is listed");
                assertEquals(s.tokens().size(), s.probabilities().size());
            }
        }
        assertTrue(r.samples().stream().anyMatch(Sampler.Sample::endedAtEos), "with 9 words, <eos> comes up within 200 draws");
        Sampler.Result on = Sampler.sample(net, VOCAB, new Sampler.Request("the", 200, 1.0, 0, 3, 5, false));
        assertTrue(on.samples().stream().allMatch(s -> s.words().size() == 200));
    }

    @Test
    void unknownSeedWordsAreReported() {
        Sampler.Result r = Sampler.sample(model(), VOCAB, req("the zebra cat zebra", 1.0, 0, 1, true));
        assertEquals(List.of("zebra"), r.unknownSeedWords());
    }

    @Test
    void temperatureAndTopKShapeTheDistribution() {
        double[] p = {0.5, 0.3, 0.15, 0.05};
        Random r = new Random(1);
        int[] counts = new int[4];
        for (int i = 0; i < 20000; i++) {
            counts[Sampler.choose(p, 1.0, 2, r)]++;
        }
        assertEquals(0, counts[2] + counts[3], "top-2 never draws the others");
        assertEquals(0.5 / 0.8, counts[0] / 20000.0, 0.02);
        int[] cold = new int[4];
        for (int i = 0; i < 20000; i++) {
            cold[Sampler.choose(p, 0.25, 0, r)]++;
        }
        assertTrue(cold[0] / 20000.0 > 0.85, "low temperature sharpens: " + cold[0]);
        assertEquals(0, Sampler.choose(p, 0, 0, r));
    }

    @Test
    void topKKeepsExactlyKWhenWordsTieAtTheCutOff() {
        double[] p = {0.3, 0.3, 0.3, 0.1};
        Random r = new Random(3);
        int[] counts = new int[4];
        for (int i = 0; i < 3000; i++) {
            counts[Sampler.choose(p, 1.0, 2, r)]++;
        }
        assertEquals(0, counts[2] + counts[3], "top-2 draws two words, never the third one tied at the cut-off");
        assertTrue(counts[0] > 1300 && counts[1] > 1300);
    }

    @Test
    void topPKeepsTheSmallestNucleus() {
        double[] p = {0.1, 0.5, 0.25, 0.15};
        Random r = new Random(4);
        int[] counts = new int[4];
        for (int i = 0; i < 6000; i++) {
            counts[Sampler.choose(p, 1.0, 0, 0.7, r)]++;
        }
        assertEquals(0, counts[0] + counts[3], "0.5 + 0.25 reaches 0.7");
        assertEquals(0.5 / 0.75, counts[1] / 6000.0, 0.03);
    }

    @Test
    void noUnkNeverEmitsUnknown() {
        MultiLayerNetwork net = model();
        Sampler.Request free = new Sampler.Request("the", 150, 3.0, 0, 1.0, 11, 3, false, false, 1);
        assertTrue(Sampler.sample(net, VOCAB, free).samples().stream().anyMatch(s -> s.tokens().contains("<unk>")),
                "at a high temperature an untrained model draws <unk> within 450 tokens");
        Sampler.Request noUnk = new Sampler.Request("the", 150, 3.0, 0, 1.0, 11, 3, false, true, 1);
        assertTrue(Sampler.sample(net, VOCAB, noUnk).samples().stream().noneMatch(s -> s.tokens().contains("<unk>")));
    }

    @Test
    void minWordsGoesOnToTheEndOfALongEnoughSentence() {
        MultiLayerNetwork net = model();
        org.rnnlab.data.lm.TextFormat ptb = new org.rnnlab.data.lm.TextFormat(new org.rnnlab.data.lm.WhitespaceTokenizer(), "line");
        Sampler.Result r = Sampler.sample(net, VOCAB, ptb, new Sampler.Request("", 400, 1.0, 0, 1.0, 5, 6, true, false, 4));
        assertTrue(r.samples().stream().anyMatch(Sampler.Sample::endedAtEos));
        for (Sampler.Sample s : r.samples()) {
            if (s.endedAtEos()) {
                List<String> w = s.words();
                int lastEos = w.lastIndexOf("<eos>");
                assertTrue(w.size() - lastEos - 1 >= 4, "the sentence it stopped after has 4 words or more: " + w);
            }
        }
    }

    @Test
    void charModelSamplesAreDeterministicAndJoinedBack() {
        Vocabulary chars = Vocabulary.fromCounts(Map.of("<eos>", 5L, "a", 4L, "b", 3L, " ", 2L, ".", 1L), 20,
                List.of("<unk>"), "<unk>");
        LmConfig cfg = (LmConfig) ConfigLoader.parse("task: lm\nseed: 5\nmodel: {layers: 1, hidden_size: 6, init_scale: 1.0}\n", "t");
        MultiLayerNetwork net = new MultiLayerNetwork(LmModelFactory.build(cfg, chars.size()));
        net.init();
        org.rnnlab.data.lm.TextFormat f = new org.rnnlab.data.lm.TextFormat(org.rnnlab.data.lm.Tokenizer.of("chars", false), "none");
        Sampler.Request req = new Sampler.Request("ab a", 40, 1.0, 0, 0.9, 21, 2, false, true, 1);
        Sampler.Result a = Sampler.sample(net, chars, f, req);
        assertEquals(a, Sampler.sample(net, chars, f, req));
        Sampler.Sample s = a.samples().get(0);
        assertEquals(String.join("", s.words()).replace("<eos>", " "), s.text());
        assertEquals("ab a" + s.text(), a.fullText(s, f));
        assertThrows(UserInputException.class, () -> Sampler.sample(net, Vocabulary.fromCounts(Map.of("a", 1L), 5,
                List.of("<unk>"), "<unk>"), f, new Sampler.Request("", 5, 1.0, 0, 1, 1, true)),
                "no seed and no sentence ends: nothing to start from");
    }

    @Test
    void badRequestsAreUserErrors() {
        assertThrows(UserInputException.class, () -> new Sampler.Request("", 5, 1, 0, 0.0, 1, 1, true, false, 1));
        assertThrows(UserInputException.class, () -> new Sampler.Request("", 5, 1, 0, 1.0, 1, 1, true, false, -1));
        assertThrows(UserInputException.class, () -> new Sampler.Request("", 0, 1, 0, 1, 1, true));
        assertThrows(UserInputException.class, () -> new Sampler.Request("", 5, -1, 0, 1, 1, true));
        assertThrows(UserInputException.class, () -> new Sampler.Request("", 5, 1, -3, 1, 1, true));
        assertThrows(UserInputException.class, () -> new Sampler.Request("", 5, 1, 0, 1, 0, true));
    }
}
