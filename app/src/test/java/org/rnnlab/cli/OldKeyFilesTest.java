package org.rnnlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Run folders and model files written before the config keys were renamed (the language model's
 * {@code keep_prob}, the sentiment model's {@code clip_norm}) still work: eval, sample and predict give what
 * the old code gave, and a run resumes. The files under {@code /renamed-keys} were made by rnnlab at commit
 * 97d47f4 with {@code scripts/rnnlab train} (OMP_NUM_THREADS=1): a one-epoch LSTM on {@code data/tiny.*.txt}
 * and a two-epoch sentiment model on a tiny review folder; the expected figures are what that jar printed.
 */
class OldKeyFilesTest {

    @TempDir
    Path dir;

    private static Path resource(String name) throws Exception {
        return Path.of(OldKeyFilesTest.class.getResource("/renamed-keys/" + name).toURI());
    }

    @Test
    void anOldLanguageModelEvaluatesAndSamplesAsBefore() throws Exception {
        String model = resource("lm-run/checkpoint.zip").toString();
        String data = resource("data").toString();
        LmCliTest.Run eval = LmCliTest.run("eval", "--model", model, "--data", data, "--split", "test", "--json");
        assertEquals(0, eval.code(), eval.err());
        JsonNode e = JsonKeys.snakeCaseObjects(eval.out()).get(0);
        assertEquals(239, e.get("words").asInt());
        assertEquals(2.370490181471541, e.get("perplexity").asDouble(), 1e-9, "the old code's figure");
        LmCliTest.Run sample = LmCliTest.run("sample", "--model", model, "--seed-text", "the cat", "--length", "6",
                "--seed", "3", "--count", "2");
        assertEquals(0, sample.code(), sample.err());
        assertEquals(List.of("the cat likes the house", "the cat chases the ball"), sample.out().lines().toList());
    }

    @Test
    void anOldSentimentModelPredictsAsBefore() throws Exception {
        LmCliTest.Run predict = LmCliTest.run("predict", "--model", resource("sentiment-best.zip").toString(),
                "great wonderful film", "awful boring plot");
        assertEquals(0, predict.code(), predict.err());
        assertEquals(List.of("neg\t0.4767", "neg\t0.4654"), predict.out().lines().toList());
    }

    @Test
    void anOldRunResumesAndItsConfigIsWrittenBackWithTheNewNames() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        try (Stream<Path> files = Files.list(resource("lm-run"))) {
            for (Path f : files.toList()) {
                Files.copy(f, run.resolve(f.getFileName()));
            }
        }
        LmCliTest.Run resumed = LmCliTest.run("train", "--resume", run.toString(), "--data", resource("data").toString(),
                "--set", "train.epochs=2");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("epoch 2:"), resumed.out());
        String config = Files.readString(run.resolve("config.yaml"));
        assertTrue(config.contains("dropout: 0.2") && !config.contains("keep_prob") && config.contains("epochs: 2"), config);
        assertEquals(3, Files.readAllLines(run.resolve("metrics.csv")).size(), "header and two epochs");
    }
}
