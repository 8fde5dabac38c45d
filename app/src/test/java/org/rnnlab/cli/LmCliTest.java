package org.rnnlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The language-model commands end to end through {@link Main#execute}, in this JVM: train, eval, sample, bench. */
class LmCliTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    /** Sentences from a small grammar, so that one epoch learns something. */
    static List<String> sentences(int n, long seed) {
        String[] subj = {"the cat", "a dog", "the bird", "my friend"};
        String[] verb = {"sees", "likes", "chases", "finds"};
        String[] obj = {"the ball", "a tree", "the house", "some food"};
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(subj[r.nextInt(4)] + " " + verb[r.nextInt(4)] + " " + obj[r.nextInt(4)]);
        }
        return out;
    }

    /** A corpus folder laid out like PTB: tiny.train.txt, tiny.valid.txt, tiny.test.txt. */
    static Path corpus(Path dir, int trainSentences) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.write(data.resolve("tiny.train.txt"), sentences(trainSentences, 1));
        Files.write(data.resolve("tiny.valid.txt"), sentences(30, 2));
        Files.write(data.resolve("tiny.test.txt"), sentences(30, 3));
        return data;
    }

    static final String CONFIG = """
            task: lm
            seed: 7
            data: {dataset: tiny, vocab_size: 50}
            model: {cell: lstm, layers: 1, hidden_size: 16, dropout: 0.1, init_scale: 0.1}
            train: {batch_size: 4, num_steps: 5, epochs: 1, learning_rate: 1.0, max_epoch: 1, lr_decay: 0.5, max_grad_norm: 5}
            """;

    @Test
    void trainEvaluateSampleAndBenchFromTheCommandLine() throws Exception {
        Path data = corpus(dir, 300);
        Path config = Files.writeString(dir.resolve("tiny.yaml"), CONFIG);
        Path runDir = dir.resolve("run");
        Run train = run("train", "--config", config.toString(), "--data", data.toString(), "--run-dir", runDir.toString());
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("best valid perplexity"), train.out());
        String best = runDir.resolve("best.zip").toString();

        // The run's config remembers the corpus folder, so eval finds it without --data.
        JsonNode test = JsonKeys.snakeCaseObjects(run("eval", "--model", best, "--json").out()).get(0);
        assertEquals("test", test.get("split").asText());
        assertTrue(test.get("perplexity").asDouble() < 15, "a grammar of 18 words, learnt a little: " + test);
        for (String key : List.of("mean_cross_entropy", "words", "batch_size", "num_steps")) {
            assertTrue(test.has(key), key + " in " + test);
        }
        Run train2 = run("eval", "--model", best, "--split", "train", "--batch-size", "4");
        assertEquals(0, train2.code(), train2.err());
        assertTrue(train2.out().startsWith("train perplexity: "), train2.out());

        Run sample = run("sample", "--model", best, "--seed-text", "the cat", "--count", "2", "--seed", "3");
        assertEquals(0, sample.code(), sample.err());
        List<String> lines = sample.out().lines().toList();
        assertEquals(2, lines.size(), sample.out());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("the cat")), sample.out());
        assertEquals(sample.out(), run("sample", "--model", best, "--seed-text", "the cat", "--count", "2",
                "--seed", "3").out(), "the same seed gives the same text");
        List<JsonNode> samples = JsonKeys.snakeCaseObjects(
                run("sample", "--model", best, "--count", "2", "--json", "--length", "4").out());
        assertEquals(2, samples.size());
        assertTrue(samples.get(0).has("ended_at_eos") && samples.get(0).get("words").isArray(), samples.toString());

        Run bench = run("bench", "--config", config.toString(), "--data", data.toString(), "--warmup", "2",
                "--steps", "3", "--json");
        assertEquals(0, bench.code(), bench.err());
        JsonNode b = JsonKeys.snakeCaseObjects(bench.out()).get(0);
        assertEquals("tiny", b.get("config").asText());
        assertEquals(3, b.get("steps").asInt());
        assertTrue(b.get("words_per_second").asDouble() > 0, bench.out());
        // Surefire runs the tests with OMP_NUM_THREADS=1: the count in force, asked of ND4J.
        assertEquals(1, b.get("threads").asInt(), bench.out());
        assertTrue(b.get("nd4j_threads").asInt() >= 1, bench.out());
        Run benchText = run("bench", "--config", config.toString(), "--data", data.toString(), "--warmup", "0",
                "--steps", "1");
        assertTrue(benchText.out().matches("tiny \\(lstm, 1 threads\\): \\d+ words/s.*\\R"), benchText.out());
    }

    @Test
    void splitIsOneOfTrainValidTestInHelpErrorAndUse() {
        String help = run("eval", "--help").out();
        assertTrue(help.contains("train, valid, test"), help);
        Run bad = run("eval", "--model", "m.zip", "--split", "dev");
        assertEquals(2, bad.code());
        String first = bad.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("rnnlab: error: ") && first.contains("--split") && first.contains("dev")
                && first.contains("train, valid, test"), bad.err());
        Run missing = run("eval", "--model", dir.resolve("none.zip").toString(), "--split", "train");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("none.zip: model file not found"), "train is accepted: " + missing.err());
    }

    @Test
    void benchRefusesBadStepCountsAndSentimentConfigsInOneLine() throws Exception {
        Path lm = Files.writeString(dir.resolve("lm.yaml"), CONFIG);
        Run steps = run("bench", "--config", lm.toString(), "--steps", "0");
        assertEquals(2, steps.code());
        assertTrue(steps.err().startsWith("rnnlab: error: --warmup must be >= 0 and --steps >= 1"), steps.err());
        Path sentiment = Files.writeString(dir.resolve("s.yaml"), "task: sentiment\n");
        Run task = run("bench", "--config", sentiment.toString());
        assertEquals(2, task.code());
        assertTrue(task.err().contains("s.yaml: bench measures language-model configs"), task.err());
    }
}
