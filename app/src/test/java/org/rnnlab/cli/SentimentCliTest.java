package org.rnnlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.config.SentimentConfig;
import org.rnnlab.data.sentiment.ImdbFixture;
import org.rnnlab.model.LmModelFactory;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;
import org.rnnlab.model.SentimentModelFactory;
import org.rnnlab.text.ReviewEncoder;
import org.rnnlab.text.Vocabulary;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The sentiment commands end to end through {@link Main#execute}: train, eval, predict and their user errors. */
class SentimentCliTest {

    @TempDir
    Path dir;

    private static final String TINY = """
            task: sentiment
            seed: 3
            data: {vocab_size: 40, max_len: 12, valid_fraction: 0.2}
            model: {cell: rnn, layers: 1, hidden_size: 8, embedding_size: 8, pooling: max, input_dropout: 0.0}
            train: {batch_size: 8, epochs: 6, learning_rate: 0.02}
            """;

    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private static Run runWithStdin(String stdin, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            return run(args);
        } finally {
            System.setIn(saved);
        }
    }

    private static void assertOneLineError(Run r, String... fragments) {
        assertEquals(2, r.code(), r.out() + r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("rnnlab: error: "), r.err());
        for (String f : fragments) {
            assertTrue(lines.get(0).contains(f), "expected '" + f + "' in: " + lines.get(0));
        }
    }

    private List<Path> tree() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.sorted().toList();
        }
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void trainEvaluateAndPredictFromTheCommandLine() throws Exception {
        Path data = ImdbFixture.write(dir.resolve("imdb"), 40, 5);
        Path config = write("tiny.yaml", TINY);
        Path runDir = dir.resolve("run");
        Run train = run("train", "--config", config.toString(), "--data", data.toString(), "--run-dir", runDir.toString());
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("epoch 6:") && train.out().contains("best valid accuracy"), train.out());
        String best = runDir.resolve("best.zip").toString();

        // The run's config remembers the data folder, so eval finds the test split without --data.
        Run eval = run("eval", "--model", best, "--split", "test", "--json");
        assertEquals(0, eval.code(), eval.err());
        JsonNode e = JsonKeys.snakeCaseObjects(eval.out()).get(0);
        assertEquals(40, e.get("reviews").asInt());
        assertTrue(e.get("accuracy").asDouble() >= 0.9, train.out() + eval.out());
        for (String key : List.of("precision", "recall", "f1", "roc_auc", "log_loss", "confusion")) {
            assertTrue(e.has(key), key + " in " + eval.out());
        }
        Run text = run("eval", "--model", best, "--data", data.toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().startsWith("test accuracy: ") && text.out().contains("ROC AUC: ")
                && text.out().contains("confusion matrix"), text.out());

        Run stdin = runWithStdin("A wonderful, excellent film!\n\nBoring and awful.\n", "predict", "--model", best);
        assertEquals(0, stdin.code(), stdin.err());
        List<String> lines = stdin.out().lines().toList();
        assertEquals(3, lines.size(), stdin.out());
        assertTrue(lines.get(0).matches("pos\t0\\.\\d{4}"), lines.get(0));
        assertTrue(lines.get(1).matches("(pos|neg)\t\\d\\.\\d{4}"), "an empty review still gets an answer: " + lines.get(1));
        assertTrue(lines.get(2).startsWith("neg\t"), lines.get(2));
        assertTrue(stdin.err().contains("warning: review 2: no words"), stdin.err());

        Run json = run("predict", "--model", best, "--json", "Great movie", "Zxq vbn");
        assertEquals(0, json.code(), json.err());
        List<JsonNode> answers = JsonKeys.snakeCaseObjects(json.out());
        assertEquals(2, answers.size());
        assertEquals("pos", answers.get(0).get("label").asText());
        assertEquals("Great movie", answers.get(0).get("text").asText());
        assertTrue(answers.get(0).get("probability_positive").asDouble() > 0.5);
        assertFalse(answers.get(0).has("warning"));
        assertEquals(2, answers.get(1).get("unknown_words").asInt());
        assertTrue(answers.get(1).get("warning").asText().contains("none of its 2 words"), json.out());
    }

    /** An untrained sentiment model file: enough for the error paths of predict. */
    private Path sentimentModel() {
        SentimentConfig cfg = (SentimentConfig) ConfigLoader.parse(TINY, "tiny");
        Vocabulary vocab = Vocabulary.fromCounts(Map.of("good", 2L, "bad", 1L), 40, ReviewEncoder.RESERVED, ReviewEncoder.UNK);
        MultiLayerNetwork net = new MultiLayerNetwork(SentimentModelFactory.build(cfg, vocab.size()));
        net.init();
        Path f = dir.resolve("sentiment.zip");
        ModelFile.write(f, net, ModelKind.SENTIMENT, cfg, vocab, ReviewEncoder.UNK, Map.of(), false);
        return f;
    }

    private Path languageModel() {
        LmConfig cfg = (LmConfig) ConfigLoader.parse("task: lm\nmodel: {layers: 1, hidden_size: 4}\n", "lm");
        Vocabulary vocab = Vocabulary.fromCounts(Map.of("a", 2L, "<eos>", 3L), 10, List.of("<unk>"), "<unk>");
        MultiLayerNetwork net = new MultiLayerNetwork(LmModelFactory.build(cfg, vocab.size()));
        net.init();
        Path f = dir.resolve("lm.zip");
        ModelFile.write(f, net, ModelKind.LM, cfg, vocab, "<unk>", Map.of(), false);
        return f;
    }

    @Test
    void badInputsAreOneLineExitTwoAndChangeNothingOnDisk() throws Exception {
        Path lm = languageModel();
        Path model = sentimentModel();
        Path config = write("tiny.yaml", TINY);
        Path empty = write("empty.txt", "");
        Path blank = write("blank.txt", "\n   \n");
        Path noLabels = dir.resolve("reviews");
        Files.createDirectories(noLabels.resolve("train/good"));
        Files.createDirectories(noLabels.resolve("test/bad"));
        Path outOfRange = write("bad.yaml", TINY.replace("input_dropout: 0.0", "input_dropout: 0.0, dropout: 1.5"));
        List<Path> before = tree();

        assertOneLineError(run("predict", "--model", lm.toString(), "Fine film"), "lm.zip", "language", "predict");
        assertOneLineError(runWithStdin("Fine film\n", "predict", "--model", lm.toString()), "language");
        assertOneLineError(run("predict", "--model", model.toString(), "--file", empty.toString()),
                "empty.txt", "empty review file");
        assertOneLineError(run("predict", "--model", model.toString(), "--file", blank.toString()), "empty review file");
        assertOneLineError(runWithStdin("", "predict", "--model", model.toString()), "standard input", "empty");
        assertOneLineError(run("predict", "--model", model.toString(), "--file", dir.resolve("none.txt").toString()),
                "none.txt", "not found");
        assertOneLineError(run("train", "--config", config.toString(), "--data", noLabels.toString(),
                "--run-dir", dir.resolve("run").toString()), noLabels.resolve("train").toString(), "pos/ and neg/");
        assertOneLineError(run("train", "--config", outOfRange.toString(), "--data", noLabels.toString(),
                "--run-dir", dir.resolve("run").toString()), "bad.yaml", "model.dropout", "1.5");
        assertOneLineError(run("train", "--config", config.toString(), "--set", "model.pooling=last",
                "--set", "model.bidirectional=true", "--run-dir", dir.resolve("run").toString()), "model.pooling");
        assertOneLineError(run("eval", "--model", model.toString(), "--data", noLabels.toString()),
                noLabels.resolve("test").toString(), "pos/ and neg/");

        assertEquals(before, tree(), "no run folder, log or model was created or changed");
    }

    @Test
    void aLatin1ReviewIsRefusedNamingFileAndOffsetAndReadWithAnEncoding() throws Exception {
        Path data = ImdbFixture.write(dir.resolve("imdb"), 40, 5);
        Path review = data.resolve("train").resolve("pos").resolve("0_10.txt");
        byte[] latin1 = "A great caf\u00e9 scene, wonderful.".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(review, latin1);
        Path config = write("tiny.yaml", TINY.replace("epochs: 6", "epochs: 1"));
        assertOneLineError(run("train", "--config", config.toString(), "--data", data.toString(), "--run-dir",
                dir.resolve("run").toString()), review.toString(), "not UTF-8 text", "line 1, byte offset 11",
                "data.encoding");
        assertFalse(Files.exists(dir.resolve("run")), "nothing written for a refused review");
        Run ok = run("train", "--config", config.toString(), "--data", data.toString(), "--run-dir",
                dir.resolve("run").toString(), "--set", "data.encoding=latin-1");
        assertEquals(0, ok.code(), ok.err());

        Path model = sentimentModel();
        Path reviews = dir.resolve("reviews-latin1.txt");
        Files.write(reviews, ("good\n" + "caf\u00e9 bad\n").getBytes(StandardCharsets.ISO_8859_1));
        assertOneLineError(run("predict", "--model", model.toString(), "--file", reviews.toString()),
                reviews.toString(), "not UTF-8 text", "line 2, byte offset 8", "--encoding");
        Run read = run("predict", "--model", model.toString(), "--file", reviews.toString(), "--encoding", "latin-1");
        assertEquals(0, read.code(), read.err());
        assertEquals(2, read.out().lines().count(), read.out());
    }

    @Test
    void helpListsPredict() {
        Run help = run("--help");
        assertTrue(help.out().contains("predict"), help.out());
        Run predictHelp = run("predict", "--help");
        assertEquals(0, predictHelp.code());
        assertTrue(predictHelp.out().contains("--file") && predictHelp.out().contains("--json"), predictHelp.out());
    }
}
