package org.rnnlab.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String yaml) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, yaml);
        return p;
    }

    private static String error(Runnable r) {
        UserInputException e = assertThrows(UserInputException.class, r::run);
        assertFalse(e.getMessage().contains("\n"), "error must be one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void shippedConfigsLoadWithTheTutorialValues() {
        Path configs = Path.of("..", "configs");
        LmConfig small = (LmConfig) ConfigLoader.load(configs.resolve("ptb-small.yaml"), List.of());
        assertEquals("ptb-small", small.name());
        assertEquals(2, small.model().layers());
        assertEquals(200, small.model().hiddenSize());
        assertEquals(20, small.train().numSteps());
        assertEquals(13, small.train().epochs());
        assertEquals(0.0, small.model().dropout());
        assertEquals(5.0, small.train().maxGradNorm());
        LmConfig medium = (LmConfig) ConfigLoader.load(configs.resolve("ptb-medium.yaml"), List.of());
        assertEquals(650, medium.model().hiddenSize());
        assertEquals(35, medium.train().numSteps());
        assertEquals(39, medium.train().epochs());
        assertEquals(0.5, medium.model().dropout());
        assertEquals(0.8, medium.train().lrDecay());
        LmConfig large = (LmConfig) ConfigLoader.load(configs.resolve("ptb-large.yaml"), List.of());
        assertEquals(1500, large.model().hiddenSize());
        assertEquals(55, large.train().epochs());
        assertEquals(10.0, large.train().maxGradNorm());
        assertEquals(0.65, large.model().dropout(), "the paper's keep probability 0.35");
        assertEquals(0.35, large.model().keepProbability());
        assertEquals(1 / 1.15, large.train().lrDecay(), 1e-9);
    }

    @Test
    void learningRateScheduleDecaysAfterMaxEpoch() {
        LmConfig.Train t = new LmConfig.Train(null, null, null, 1.0, 4, 0.5, null, null, null, null);
        assertEquals(1.0, t.learningRateForEpoch(1));
        assertEquals(1.0, t.learningRateForEpoch(4));
        assertEquals(0.5, t.learningRateForEpoch(5));
        assertEquals(0.125, t.learningRateForEpoch(7));
    }

    @Test
    void overridesReachNestedKeysAndKeepTypes() throws IOException {
        Path f = write("c.yaml", "task: lm\ntrain:\n  epochs: 3\n");
        LmConfig c = (LmConfig) ConfigLoader.load(f, List.of("train.epochs=7", "model.cell=lstm", "model.dropout=0.25", "seed=9"));
        assertEquals(7, c.train().epochs());
        assertEquals(0.25, c.model().dropout());
        assertEquals(9L, c.seed());
        assertEquals("c", c.name(), "name defaults to the file name");
    }

    @Test
    void unknownKeyNamesFileAndKey() throws IOException {
        Path f = write("bad.yaml", "task: lm\nmodel:\n  hidden_sise: 200\n");
        String msg = error(() -> ConfigLoader.load(f, List.of()));
        assertTrue(msg.startsWith(f.toString()), msg);
        assertTrue(msg.contains("model.hidden_sise"), msg);
        assertTrue(msg.contains("unknown key"), msg);
        assertTrue(msg.contains("hidden_size"), "lists the known keys: " + msg);
    }

    @Test
    void wrongTypeNamesKeyAndExpectedType() throws IOException {
        Path f = write("bad.yaml", "task: lm\ntrain:\n  batch_size: twenty\n");
        String msg = error(() -> ConfigLoader.load(f, List.of()));
        assertTrue(msg.contains("train.batch_size"), msg);
        assertTrue(msg.contains("integer"), msg);
    }

    @Test
    void outOfRangeValueNamesKeyAndRange() throws IOException {
        Path f = write("bad.yaml", "task: lm\nmodel:\n  dropout: 1.5\n");
        String msg = error(() -> ConfigLoader.load(f, List.of()));
        assertTrue(msg.contains(f.toString()) && msg.contains("model.dropout") && msg.contains("1.5"), msg);
        String msg2 = error(() -> ConfigLoader.load(f, List.of("model.dropout=0.5", "train.batch_size=0")));
        assertTrue(msg2.contains("train.batch_size") && msg2.contains("at least 1"), msg2);
    }

    @Test
    void badChoiceAndMissingTask() throws IOException {
        Path f = write("bad.yaml", "task: lm\nmodel:\n  cell: transformer\n");
        assertTrue(error(() -> ConfigLoader.load(f, List.of())).contains("model.cell: must be one of gru, lstm"));
        Path g = write("notask.yaml", "model:\n  cell: lstm\n");
        assertTrue(error(() -> ConfigLoader.load(g, List.of())).contains("task: must be one of lm, sentiment"));
        Path h = write("badtask.yaml", "task: vision\n");
        assertTrue(error(() -> ConfigLoader.load(h, List.of())).contains("'vision'"));
    }

    @Test
    void malformedYamlMissingFileAndBadOverride() throws IOException {
        Path f = write("broken.yaml", "task: lm\nmodel: [unclosed\n");
        assertTrue(error(() -> ConfigLoader.load(f, List.of())).contains("not valid YAML"));
        assertTrue(error(() -> ConfigLoader.load(dir.resolve("none.yaml"), List.of())).contains("not found"));
        Path ok = write("ok.yaml", "task: lm\n");
        assertTrue(error(() -> ConfigLoader.load(ok, List.of("noequals"))).contains("expected key=value"));
        assertTrue(error(() -> ConfigLoader.load(ok, List.of("train.epochs.x=1"))).contains("train.epochs"));
        Path withEpochs = write("ep.yaml", "task: lm\ntrain:\n  epochs: 3\n");
        assertTrue(error(() -> ConfigLoader.load(withEpochs, List.of("train.epochs.x=1"))).contains("--set train.epochs.x=1"));
    }

    @Test
    void shippedImdbConfigsLoadAndTheSeedIsTheKerasTutorial() {
        Path configs = Path.of("..", "configs");
        SentimentConfig seed = (SentimentConfig) ConfigLoader.load(configs.resolve("imdb-seed.yaml"), List.of());
        assertEquals(10000, seed.data().vocabSize());
        assertEquals(80, seed.data().maxLen());
        assertEquals("pre", seed.data().padding());
        assertEquals("pre", seed.data().truncating());
        assertEquals("rnn", seed.model().cell());
        assertEquals(2, seed.model().layers());
        assertEquals(64, seed.model().hiddenSize());
        assertEquals(100, seed.model().embeddingSize());
        assertEquals(0.5, seed.model().inputDropout(), "SimpleRNN(64, dropout=0.5)");
        assertEquals("sigmoid", seed.model().output());
        assertEquals(1e-3, seed.train().learningRate());
        assertEquals(128, seed.train().batchSize());
        assertEquals(4, seed.train().epochs());
        assertEquals(0.0, seed.data().validFraction(), "the tutorial trains on all 25,000 training reviews");
        // Missing keys take the tutorial's values, except the validation split that rnnlab holds out by default.
        assertEquals(0.1, ((SentimentConfig) ConfigLoader.parse("task: sentiment\n", "defaults")).data().validFraction());
        assertEquals(seed.withName("sentiment"),
                ConfigLoader.parse("task: sentiment\ndata: {valid_fraction: 0}\n", "defaults"));
        for (String name : List.of("imdb-lstm.yaml", "imdb-bilstm.yaml", "imdb-gru.yaml")) {
            SentimentConfig c = (SentimentConfig) ConfigLoader.load(configs.resolve(name), List.of());
            assertEquals(name.contains("gru") ? "gru" : "lstm", c.model().cell(), name);
        }
        SentimentConfig bi = (SentimentConfig) ConfigLoader.load(configs.resolve("imdb-bilstm.yaml"), List.of());
        assertTrue(bi.model().bidirectional() && bi.data().maxLen() > 80);
    }

    @Test
    void sentimentCombinationsThatCannotWorkAreRefused() throws IOException {
        Path f = write("s.yaml", "task: sentiment\nmodel:\n  bidirectional: true\n");
        assertEquals("max", ((SentimentConfig) ConfigLoader.load(f, List.of())).model().pooling(),
                "two directions pool with max unless told otherwise");
        String last = error(() -> ConfigLoader.load(f, List.of("model.pooling=last")));
        assertTrue(last.contains("model.pooling") && last.contains("bidirectional"), last);
        String patience = error(() -> ConfigLoader.load(f, List.of("train.patience=2", "data.valid_fraction=0")));
        assertTrue(patience.contains("train.patience") && patience.contains("valid_fraction"), patience);
        String rate = error(() -> ConfigLoader.load(f, List.of("model.input_dropout=1.0")));
        assertTrue(rate.contains("model.input_dropout") && rate.contains("less than 1.0"), rate);
        String side = error(() -> ConfigLoader.load(f, List.of("data.padding=left")));
        assertTrue(side.contains("data.padding") && side.contains("post, pre"), side);
    }

    @Test
    void tiedAndVariationalDropoutConfigsLoadAndBadCombinationsAreRefused() throws IOException {
        Path configs = Path.of("..", "configs");
        LmConfig cpu = (LmConfig) ConfigLoader.load(configs.resolve("ptb-tied-cpu.yaml"), List.of());
        assertTrue(cpu.model().tieWeights());
        assertEquals(0.25, cpu.model().dropoutHidden());
        assertEquals(0.1, cpu.model().dropoutRecurrent());
        LmConfig medium = (LmConfig) ConfigLoader.load(configs.resolve("ptb-medium-tied.yaml"), List.of());
        assertEquals(650, medium.model().hiddenSize());
        assertTrue(medium.model().tieWeights() && medium.model().usesLockedDropout());
        LmConfig small = (LmConfig) ConfigLoader.load(configs.resolve("ptb-small.yaml"), List.of());
        assertFalse(small.model().tieWeights() || small.model().usesLockedDropout(), "off unless asked for");

        Path f = write("lm.yaml", "task: lm\nmodel:\n  tie_weights: true\n  hidden_size: 200\n");
        String size = error(() -> ConfigLoader.load(f, List.of("model.embedding_size=100")));
        assertTrue(size.contains("model.tie_weights") && size.contains("100") && size.contains("200"), size);
        String impl = error(() -> ConfigLoader.load(f, List.of("model.impl=dl4j")));
        assertTrue(impl.contains("model.tie_weights") && impl.contains("fused"), impl);
        String both = error(() -> ConfigLoader.load(f, List.of("model.dropout=0.5", "model.dropout_hidden=0.3")));
        assertTrue(both.contains("model.dropout") && both.contains("cannot be combined") && both.contains("dropout_"), both);
        String rate = error(() -> ConfigLoader.load(f, List.of("model.dropout_embedding=1.0")));
        assertTrue(rate.contains("model.dropout_embedding") && rate.contains("[0, 1)"), rate);
    }

    @Test
    void resolvedYamlRoundTrips() throws IOException {
        Path f = write("rt.yaml", "task: sentiment\nmodel:\n  cell: lstm\n  bidirectional: true\n");
        RunConfig c = ConfigLoader.load(f, List.of("data.max_len=400"));
        String yaml = ConfigLoader.toYaml(c);
        assertTrue(yaml.startsWith("task: sentiment"), yaml);
        RunConfig back = ConfigLoader.parse(yaml, "round-trip");
        assertEquals(c, back);
        assertEquals(400, ((SentimentConfig) back).data().maxLen());
    }
}
