package org.rnnlab.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.cli.Main;
import org.rnnlab.data.sentiment.ImdbFixture;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Golden model files: small models saved by an earlier version of rnnlab (one per custom layer and
 * model kind, an LM checkpoint among them) kept under {@code src/test/resources/golden}, with the
 * network outputs that version computed on fixed inputs. Each must still load and give the same
 * outputs, whatever classes were renamed or moved since (Tribuo keeps {@code lin-clf-431.tribuo} for
 * the same reason).
 *
 * <p>To make the files anew (only when the file format changes on purpose):
 * {@code mvn -pl app test -Dtest=GoldenModelsTest -Drnnlab.golden.record=$PWD/app/src/test/resources/golden}.
 */
class GoldenModelsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Outputs are probabilities; the same code gives the same bits, this only allows a change of summation order. */
    private static final double TOLERANCE = 1e-5;

    /** One golden model: how it was trained and what it is. */
    record Golden(String name, ModelKind kind, String file, String yaml) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final String LM_BASE = """
            task: lm
            seed: 11
            data: {dataset: tiny, vocab_size: 40}
            train: {batch_size: 2, num_steps: 5, epochs: 1, learning_rate: 1.0, max_epoch: 1, lr_decay: 0.5, max_grad_norm: 5}
            """;
    static final String SENTIMENT_BASE = """
            task: sentiment
            seed: 5
            data: {vocab_size: 40, max_len: 10, valid_fraction: 0.2}
            train: {batch_size: 8, epochs: 1, learning_rate: 0.02}
            """;

    static List<Golden> models() {
        return List.of(
                new Golden("lm-fused-lstm", ModelKind.LM, "checkpoint.zip", LM_BASE
                        + "model: {cell: lstm, impl: fused, layers: 2, hidden_size: 6, keep_prob: 0.8}\n"),
                new Golden("lm-gru", ModelKind.LM, "best.zip", LM_BASE
                        + "model: {cell: gru, layers: 1, hidden_size: 6}\n"),
                new Golden("lm-dl4j-lstm", ModelKind.LM, "best.zip", LM_BASE
                        + "model: {cell: lstm, impl: dl4j, layers: 1, hidden_size: 6}\n"),
                new Golden("sentiment-rnn-last", ModelKind.SENTIMENT, "checkpoint.zip", SENTIMENT_BASE
                        + "model: {cell: rnn, layers: 2, hidden_size: 6, embedding_size: 5, pooling: last, input_dropout: 0.5}\n"),
                new Golden("sentiment-lstm-last", ModelKind.SENTIMENT, "best.zip", SENTIMENT_BASE
                        + "model: {cell: lstm, layers: 1, hidden_size: 6, embedding_size: 5, pooling: last, input_dropout: 0.2, dropout: 0.5}\n"),
                new Golden("sentiment-bilstm-max", ModelKind.SENTIMENT, "best.zip", SENTIMENT_BASE
                        + "model: {cell: lstm, layers: 1, hidden_size: 4, embedding_size: 5, bidirectional: true, pooling: max, input_dropout: 0.2, dropout: 0.5}\n"),
                new Golden("sentiment-bigru-max", ModelKind.SENTIMENT, "best.zip", SENTIMENT_BASE
                        + "model: {cell: gru, layers: 2, hidden_size: 4, embedding_size: 5, bidirectional: true, pooling: max, input_dropout: 0.2, dropout: 0.5, output: softmax}\n"));
    }

    /** Fixed inputs: word indices {@code [2, 7]} below the smallest vocabulary (18 words); the sentiment mask pads the second row. */
    static INDArray features() {
        Random r = new Random(99);
        float[][] f = new float[2][7];
        for (float[] row : f) {
            for (int t = 0; t < row.length; t++) {
                row[t] = 2 + r.nextInt(14);
            }
        }
        return Nd4j.create(f).castTo(DataType.FLOAT);
    }

    static INDArray mask() {
        return Nd4j.create(new float[][]{{1, 1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1, 1}});
    }

    static INDArray output(MultiLayerNetwork net, ModelKind kind) {
        net.rnnClearPreviousState();
        return kind == ModelKind.LM
                ? net.output(features(), false)
                : net.output(features(), false, mask(), null);
    }

    static InputStream resource(String name) {
        InputStream in = GoldenModelsTest.class.getResourceAsStream("/golden/" + name);
        assertNotNull(in, "golden resource " + name);
        return in;
    }

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void loadsAndGivesTheRecordedOutputs(Golden g) throws Exception {
        Path file = dir.resolve(g.name() + ".zip");
        try (InputStream in = resource(g.name() + ".zip")) {
            Files.copy(in, file);
        }
        JsonNode expected;
        try (InputStream in = resource(g.name() + ".json")) {
            expected = JSON.readTree(in);
        }
        ModelFile.Loaded loaded = ModelFile.read(file, g.kind(), "test", true);
        assertEquals(expected.get("format_version").asInt(), loaded.meta().formatVersion());
        assertEquals(expected.get("vocabulary_size").asInt(), loaded.vocabulary().size());
        assertEquals(expected.get("parameters").asLong(), loaded.network().numParams());
        assertEquals(expected.get("extras").size(), loaded.extras().size(), "extras " + loaded.extras().keySet());

        double[] want = JSON.convertValue(expected.get("output"), double[].class);
        double[] got = output(loaded.network(), g.kind()).castTo(DataType.DOUBLE).data().asDouble();
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], TOLERANCE * Math.max(1, Math.abs(want[i])), g.name() + " output " + i);
        }
    }

    @Test
    void aFileOfANewerFormatIsRefusedWithOneLine() throws Exception {
        Path file = dir.resolve("future.zip");
        try (InputStream in = resource("lm-gru.zip");
             java.util.zip.ZipInputStream zin = new java.util.zip.ZipInputStream(in);
             java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(file))) {
            for (var e = zin.getNextEntry(); e != null; e = zin.getNextEntry()) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                byte[] b = zin.readAllBytes();
                if (e.getName().equals("rnnlab-meta.json")) {
                    b = new String(b, java.nio.charset.StandardCharsets.UTF_8)
                            .replaceAll("\"formatVersion\" : \\d+", "\"formatVersion\" : 99")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                }
                out.write(b);
                out.closeEntry();
            }
        }
        var e = assertThrows(org.rnnlab.UserInputException.class, () -> ModelFile.read(file, false));
        assertTrue(e.getMessage().contains("future.zip") && e.getMessage().contains("format 99")
                && e.getMessage().contains("newer rnnlab"), e.getMessage());
    }

    @Test
    void aModelSavedAgainNamesOnlyTodaysClasses() throws Exception {
        Path old = dir.resolve("old.zip");
        try (InputStream in = resource("sentiment-bigru-max.zip")) {
            Files.copy(in, old);
        }
        ModelFile.Loaded loaded = ModelFile.read(old, true);
        Path again = dir.resolve("again.zip");
        ModelFile.write(again, loaded.network(), loaded.kind(), loaded.config(), loaded.vocabulary(),
                loaded.meta().unknownToken(), loaded.extras(), true);
        String json;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(again.toFile())) {
            json = new String(zip.getInputStream(zip.getEntry("configuration.json")).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
        }
        assertFalse(json.contains("org.rnnlab.model."), json);
        assertTrue(json.contains("\"org.rnnlab.nn.Gru\"") && json.contains("\"org.rnnlab.nn.params.OrthogonalInit\""));
        ModelFile.Loaded reread = ModelFile.read(again, true);
        assertEquals(ModelFile.FORMAT_VERSION, reread.meta().formatVersion());
        assertEquals(output(loaded.network(), ModelKind.SENTIMENT), output(reread.network(), ModelKind.SENTIMENT));
    }

    @Test
    void everyGoldenModelHasItsFiles() {
        for (Golden g : models()) {
            assertNotNull(GoldenModelsTest.class.getResource("/golden/" + g.name() + ".zip"), g.name());
            assertNotNull(GoldenModelsTest.class.getResource("/golden/" + g.name() + ".json"), g.name());
        }
    }

    /** Trains every golden model through the command line and records its file and outputs. */
    @Test
    @EnabledIfSystemProperty(named = "rnnlab.golden.record", matches = ".+")
    void record() throws Exception {
        Path out = Path.of(System.getProperty("rnnlab.golden.record"));
        Files.createDirectories(out);
        Path lmData = Files.createDirectories(dir.resolve("lm"));
        Files.write(lmData.resolve("tiny.train.txt"), sentences(80, 1));
        Files.write(lmData.resolve("tiny.valid.txt"), sentences(12, 2));
        Files.write(lmData.resolve("tiny.test.txt"), sentences(12, 3));
        Path imdb = ImdbFixture.write(dir.resolve("imdb"), 24, 5);
        for (Golden g : models()) {
            Path config = Files.writeString(dir.resolve(g.name() + ".yaml"), g.yaml());
            Path run = dir.resolve("run-" + g.name());
            Path data = g.kind() == ModelKind.LM ? lmData : imdb;
            StringWriter err = new StringWriter();
            int code = Main.execute(new String[]{"train", "--quiet", "--config", config.toString(), "--data", data.toString(),
                    "--run-dir", run.toString()}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
            assertEquals(0, code, err.toString());
            Path model = out.resolve(g.name() + ".zip");
            Files.copy(run.resolve(g.file()), model, StandardCopyOption.REPLACE_EXISTING);
            ModelFile.Loaded loaded = ModelFile.read(model, g.kind(), "record", true);
            ObjectNode json = JSON.createObjectNode();
            json.put("made_by", "rnnlab " + loaded.meta().rnnlabVersion() + " (" + g.file() + " of a 1-epoch run)");
            json.put("config", g.yaml());
            json.put("format_version", loaded.meta().formatVersion());
            json.put("vocabulary_size", loaded.vocabulary().size());
            json.put("parameters", loaded.network().numParams());
            json.set("extras", JSON.valueToTree(loaded.extras().keySet()));
            ArrayNode values = json.putArray("output");
            for (double v : output(loaded.network(), g.kind()).castTo(DataType.DOUBLE).data().asDouble()) {
                values.add(v);
            }
            JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve(g.name() + ".json").toFile(), json);
        }
    }

    static List<String> sentences(int n, long seed) {
        String[] subj = {"the cat", "a dog", "the bird", "my friend"};
        String[] verb = {"sees", "likes", "chases", "finds"};
        String[] obj = {"the ball", "a tree", "the house", "some food"};
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(subj[r.nextInt(4)] + " " + verb[r.nextInt(4)] + " " + obj[r.nextInt(4)]);
        }
        return lines;
    }
}
