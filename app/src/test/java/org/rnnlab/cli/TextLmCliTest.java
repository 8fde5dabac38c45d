package org.rnnlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Bring your own text, through the command line: train on a small book, then eval, sample and score it. */
@Tag("slow")
class TextLmCliTest {

    @TempDir
    Path dir;

    private Path book() throws Exception {
        StringBuilder sb = new StringBuilder();
        String[] who = {"The cat", "A dog", "My friend", "The bird"};
        String[] did = {"sat on the mat", "ran home", "saw the sea", "ate, slept and sang"};
        for (int p = 0; p < 60; p++) {
            sb.append(who[p % 4]).append(' ').append(did[(p / 4) % 4]).append(".\n")
                    .append("\"Yes,\" it said; then it rested.\n\n");
        }
        Path f = dir.resolve("book.txt");
        Files.writeString(f, sb.toString());
        return f;
    }

    private Path config(String tokenizer, String eos) throws Exception {
        Path c = dir.resolve(tokenizer + ".yaml");
        Files.writeString(c, """
                task: lm
                seed: 3
                data: {tokenizer: %s, eos: %s, vocab_size: 60}
                model: {layers: 1, hidden_size: 16}
                train: {batch_size: 2, num_steps: 8, epochs: 1, learning_rate: 0.01, optimizer: adam, max_grad_norm: 5}
                """.formatted(tokenizer, eos));
        return c;
    }

    @Test
    void wordsModelTrainsSamplesAndScores() throws Exception {
        Path book = book();
        Path run = dir.resolve("run-words");
        MainTest.Run t = MainTest.run("-q", "train", "--config", config("words", "paragraph").toString(), "--data",
                book.toString(), "--run-dir", run.toString());
        assertEquals(0, t.code(), t.err());
        JsonNode split = new ObjectMapper().readTree(run.resolve("data-split.json").toFile());
        assertEquals(3, split.get("seed").asInt());
        assertTrue(split.get("blocks").get("test").size() > 0);
        Path model = run.resolve("best.zip");

        MainTest.Run s = MainTest.run("sample", "--model", model.toString(), "--seed-text", "The cat", "--no-unk",
                "--json", "--count", "2", "--seed", "4", "--length", "30");
        assertEquals(0, s.code(), s.err());
        for (String line : s.out().lines().toList()) {
            JsonNode j = new ObjectMapper().readTree(line);
            assertFalse(j.get("full_text").asText().contains(" ,"), "no space before punctuation: " + line);
            assertFalse(line.contains("<unk>"), line);
            if (j.get("ended_at_eos").asBoolean()) {
                JsonNode words = j.get("words");
                assertEquals("<eos>", words.get(words.size() - 1).get("word").asText(), "the stop is listed: " + line);
            }
        }
        assertEquals(s, MainTest.run("sample", "--model", model.toString(), "--seed-text", "The cat", "--no-unk",
                "--json", "--count", "2", "--seed", "4", "--length", "30"), "same seed, same samples");

        MainTest.Run beam = MainTest.run("sample", "--model", model.toString(), "--beam", "3", "--length", "30", "--json");
        assertEquals(0, beam.code(), beam.err());
        assertEquals(3, beam.out().lines().count(), beam.out());
        for (String line : beam.out().lines().toList()) {
            JsonNode b = new ObjectMapper().readTree(line);
            MainTest.Run score = MainTest.run("score", "--model", model.toString(), "--json", b.get("full_text").asText());
            assertEquals(0, score.code(), score.err());
            JsonNode st = new ObjectMapper().readTree(score.out()).get("tokens");
            JsonNode bt = b.get("words");
            // score closes the sentence with <eos>; a beam cut at --length has not reached it yet
            assertEquals(bt.size() + (b.get("ended_at_eos").asBoolean() ? 0 : 1), st.size(), line + " / " + score.out());
            double logP = 0;
            for (int i = 0; i < bt.size(); i++) {
                assertEquals(bt.get(i).get("word").asText(), st.get(i).get("token").asText(), "the text reads back as its tokens");
                logP += Math.log(st.get(i).get("probability").asDouble());
            }
            assertEquals(b.get("log_probability").asDouble(), logP, 2e-4, "a beam's log-probability is its score");
        }

        MainTest.Run json = MainTest.run("score", "--model", model.toString(), "--json", "The cat sat on the mat.");
        JsonNode sj = new ObjectMapper().readTree(json.out());
        assertEquals("<eos>", sj.get("tokens").get(7).get("token").asText(), json.out());
        assertTrue(sj.get("perplexity").asDouble() > 1);
    }

    @Test
    void charModelReportsBitsPerCharacter() throws Exception {
        Path run = dir.resolve("run-chars");
        MainTest.Run t = MainTest.run("-q", "train", "--config", config("chars", "line").toString(), "--data",
                book().toString(), "--run-dir", run.toString());
        assertEquals(0, t.code(), t.err());
        MainTest.Run e = MainTest.run("eval", "--model", run.resolve("best.zip").toString(), "--split", "test", "--json");
        assertEquals(0, e.code(), e.err());
        JsonNode j = new ObjectMapper().readTree(e.out());
        assertEquals(j.get("mean_cross_entropy").asDouble() / Math.log(2), j.get("bits_per_character").asDouble(), 1e-9);
        MainTest.Run s = MainTest.run("sample", "--model", run.resolve("best.zip").toString(), "--seed-text", "The c",
                "--length", "20", "--no-stop-at-eos");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().startsWith("The c") && !s.out().startsWith("The c "), "characters are joined: " + s.out());
    }

    @Test
    void badTextInputIsOneLineExitTwo() throws Exception {
        Path tiny = dir.resolve("tiny.txt");
        Files.writeString(tiny, "one line.\ntwo lines.\nthree lines.\n");
        MainTest.Run small = MainTest.run("train", "--config", config("words", "line").toString(), "--data",
                tiny.toString(), "--run-dir", dir.resolve("r1").toString());
        assertEquals(2, small.code(), small.err());
        assertTrue(small.err().startsWith("rnnlab: error: " + tiny + ": the train split has ")
                && small.err().contains("fewer than one batch window"), small.err());
        assertFalse(Files.exists(dir.resolve("r1")), "a corpus refused leaves no run folder behind");
        Path bin = dir.resolve("bin.txt");
        Files.write(bin, new byte[] {'o', 'k', '\n', 'x', '_', 8, 'y'});
        MainTest.Run binary = MainTest.run("train", "--config", config("words", "line").toString(), "--data",
                bin.toString(), "--run-dir", dir.resolve("r3").toString());
        assertEquals(2, binary.code());
        assertEquals(1, binary.err().lines().count(), binary.err());
        assertTrue(binary.err().startsWith("rnnlab: error: " + bin + ": not text: 1 of 7 characters are control"
                + " characters, the first at line 2, byte offset 5") && binary.err().contains("data.encoding"), binary.err());
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "task: lm\ndata: {tokenizer: bpe}\n");
        MainTest.Run tok = MainTest.run("train", "--config", bad.toString(), "--data", tiny.toString(), "--run-dir",
                dir.resolve("r2").toString());
        assertEquals(2, tok.code());
        assertTrue(tok.err().contains("data.tokenizer") && tok.err().contains("bpe"), tok.err());
        assertEquals(1, tok.err().lines().count(), tok.err());
    }

    @Test
    void configsWithoutTheNewKeysReadAsPtb() {
        LmConfig old = (LmConfig) ConfigLoader.parse("task: lm\ndata: {dataset: ptb, vocab_size: 10000}\n", "old model");
        assertEquals("whitespace", old.data().tokenizer());
        assertEquals("line", old.data().eos());
        assertEquals("sgd", old.train().optimizer());
    }
}
