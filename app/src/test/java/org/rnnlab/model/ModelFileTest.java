package org.rnnlab.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.UserInputException;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.text.Vocabulary;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class ModelFileTest {

    @TempDir
    Path dir;

    private static final Vocabulary VOCAB = Vocabulary.fromCounts(Map.of("a", 3L, "b", 2L, "<eos>", 4L), 10,
            List.of("<unk>"), "<unk>");

    private static LmConfig config() {
        return (LmConfig) ConfigLoader.parse("task: lm\nname: m\nmodel: {layers: 1, hidden_size: 4}\n", "m");
    }

    private static MultiLayerNetwork net() {
        MultiLayerNetwork n = new MultiLayerNetwork(LmModelFactory.build(config(), VOCAB.size()));
        n.init();
        return n;
    }

    @Test
    void roundTripKeepsWeightsConfigVocabularyAndExtras() throws Exception {
        MultiLayerNetwork n = net();
        Path f = dir.resolve("m.zip");
        ModelFile.write(f, n, ModelKind.LM, config(), VOCAB, "<unk>", Map.of("state.json", "{}".getBytes()), true);
        ModelFile.Loaded l = ModelFile.read(f, ModelKind.LM, "sample", true);
        assertEquals(n.params(), l.network().params());
        assertEquals(config(), l.config());
        assertEquals(VOCAB, l.vocabulary());
        assertArrayEquals("{}".getBytes(), l.extras().get("state.json"));
        assertEquals("lm", l.meta().kind());
        try (var s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList(), "no temporary files left behind");
        }
    }

    @Test
    void wrongKindIsRefusedWithBothKindsNamed() {
        Path f = dir.resolve("m.zip");
        ModelFile.write(f, net(), ModelKind.LM, config(), VOCAB, "<unk>", Map.of(), false);
        UserInputException e = assertThrows(UserInputException.class,
                () -> ModelFile.read(f, ModelKind.SENTIMENT, "predict", false));
        assertTrue(e.getMessage().contains("language") && e.getMessage().contains("predict")
                && e.getMessage().contains("sentiment"), e.getMessage());
    }

    @Test
    void truncatedForeignAndMissingFilesGiveClearErrors() throws Exception {
        Path good = dir.resolve("good.zip");
        ModelFile.write(good, net(), ModelKind.LM, config(), VOCAB, "<unk>", Map.of(), false);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.zip");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertTrue(assertThrows(UserInputException.class, () -> ModelFile.read(truncated, false))
                .getMessage().contains("truncated.zip"));
        Path foreign = dir.resolve("foreign.zip");
        try (OutputStream o = Files.newOutputStream(foreign); ZipOutputStream z = new ZipOutputStream(o)) {
            z.putNextEntry(new ZipEntry("hello.txt"));
            z.write("hi".getBytes());
        }
        assertTrue(assertThrows(UserInputException.class, () -> ModelFile.read(foreign, false))
                .getMessage().contains("not an rnnlab model"));
        assertTrue(assertThrows(UserInputException.class, () -> ModelFile.read(dir.resolve("none.zip"), false))
                .getMessage().contains("not found"));
    }

    @Test
    void aFailedWriteLeavesThePreviousModelIntact() throws Exception {
        Path f = dir.resolve("m.zip");
        MultiLayerNetwork n = net();
        ModelFile.write(f, n, ModelKind.LM, config(), VOCAB, "<unk>", Map.of(), false);
        byte[] before = Files.readAllBytes(f);
        Map<String, byte[]> bad = new java.util.HashMap<>();
        bad.put("x", null); // makes the extras step fail after DL4J has written its part
        assertThrows(RuntimeException.class,
                () -> ModelFile.write(f, n, ModelKind.LM, config(), VOCAB, "<unk>", bad, false));
        assertArrayEquals(before, Files.readAllBytes(f));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "the temporary file is removed");
        }
    }
}
