package org.rnnlab.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Config keys under their old names ({@link RenamedKeys}) load as the new ones, each reported in one line. */
class RenamedKeysTest {

    @TempDir
    Path dir;

    private final List<String> deprecations = new ArrayList<>();

    private RunConfig load(String yaml, String... overrides) throws IOException {
        Path f = Files.writeString(dir.resolve("c.yaml"), yaml);
        return ConfigLoader.load(f, List.of(overrides), deprecations::add);
    }

    private static String error(Runnable r) {
        UserInputException e = assertThrows(UserInputException.class, r::run);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void languageModelKeepProbIsReadAsDropout() throws IOException {
        LmConfig old = (LmConfig) load("task: lm\nmodel: {keep_prob: 0.8}\ntrain: {max_grad_norm: 3}\n");
        assertEquals(0.2, old.model().dropout(), "the drop rate, on the decimals (not 0.19999999999999996)");
        assertEquals(0.8, old.model().keepProbability(), "DL4J gets the same keep probability as before");
        assertEquals(1, deprecations.size(), deprecations.toString());
        String line = deprecations.get(0);
        assertTrue(line.contains("c.yaml") && line.contains("model.keep_prob") && line.contains("model.dropout")
                && line.contains("0.2"), line);
        deprecations.clear();
        assertEquals(old, load("task: lm\nmodel: {dropout: 0.2}\ntrain: {max_grad_norm: 3}\n"));
        assertEquals(List.of(), deprecations, "the new names are not reported");
    }

    @Test
    void sentimentClipNormIsReadAsMaxGradNorm() throws IOException {
        SentimentConfig old = (SentimentConfig) load("task: sentiment\ntrain: {clip_norm: 5.0}\n");
        assertEquals(5.0, old.train().maxGradNorm());
        assertEquals(1, deprecations.size(), deprecations.toString());
        assertTrue(deprecations.get(0).contains("train.clip_norm") && deprecations.get(0).contains("train.max_grad_norm"),
                deprecations.get(0));
        deprecations.clear();
        assertEquals(old, load("task: sentiment\ntrain: {max_grad_norm: 5.0}\n"));
        assertEquals(List.of(), deprecations);
    }

    @Test
    void anOldNameInSetOverridesTheNewNameInTheFile() throws IOException {
        LmConfig c = (LmConfig) load("task: lm\nmodel: {dropout: 0.5}\n", "model.keep_prob=0.75");
        assertEquals(0.25, c.model().dropout());
        assertEquals(1, deprecations.size(), deprecations.toString());
        assertTrue(deprecations.get(0).startsWith("--set model.keep_prob=0.75: model.keep_prob is deprecated"),
                deprecations.get(0));
        SentimentConfig s = (SentimentConfig) load("task: sentiment\n", "train.clip_norm=2");
        assertEquals(2.0, s.train().maxGradNorm());
    }

    @Test
    void mistakesInOldNamesNameTheOldKey() throws IOException {
        Path both = Files.writeString(dir.resolve("both.yaml"), "task: lm\nmodel: {keep_prob: 0.5, dropout: 0.5}\n");
        String msg = error(() -> ConfigLoader.load(both, List.of(), deprecations::add));
        assertTrue(msg.contains("both.yaml") && msg.contains("model.keep_prob") && msg.contains("keep only model.dropout"), msg);
        Path range = Files.writeString(dir.resolve("range.yaml"), "task: lm\nmodel: {keep_prob: 1.5}\n");
        msg = error(() -> ConfigLoader.load(range, List.of(), deprecations::add));
        assertTrue(msg.contains("range.yaml: model.keep_prob") && msg.contains("1.5"), msg);
        Path fine = Files.writeString(dir.resolve("fine.yaml"), "task: lm\n");
        msg = error(() -> ConfigLoader.load(fine, List.of("model.keep_prob=zero"), deprecations::add));
        assertTrue(msg.contains("model.keep_prob") && msg.contains("number"), msg);
        // Renames belong to their task: the sentiment task never had keep_prob, the language model never clip_norm.
        Path sentiment = Files.writeString(dir.resolve("s.yaml"), "task: sentiment\nmodel: {keep_prob: 0.5}\n");
        assertTrue(error(() -> ConfigLoader.load(sentiment, List.of(), deprecations::add)).contains("unknown key"));
        Path lm = Files.writeString(dir.resolve("lm.yaml"), "task: lm\ntrain: {clip_norm: 5}\n");
        assertTrue(error(() -> ConfigLoader.load(lm, List.of(), deprecations::add)).contains("unknown key"));
    }

    @Test
    void resolvedConfigsWrittenBeforeTheRenameLoadAndAreWrittenBackWithTheNewNames() throws Exception {
        Path old = Path.of(getClass().getResource("/renamed-keys/lm-run/config.yaml").toURI());
        LmConfig lm = (LmConfig) ConfigLoader.load(old, List.of(), deprecations::add);
        assertEquals(0.2, lm.model().dropout());
        assertEquals(5.0, lm.train().maxGradNorm());
        String yaml = ConfigLoader.toYaml(lm);
        assertTrue(yaml.contains("dropout: 0.2") && !yaml.contains("keep_prob"), yaml);
        assertEquals(lm, ConfigLoader.parse(Files.readString(old), "model file"), "as stored inside a model file");
        Path oldSentiment = Path.of(getClass().getResource("/renamed-keys/sentiment-config.yaml").toURI());
        SentimentConfig s = (SentimentConfig) ConfigLoader.parse(Files.readString(oldSentiment), "model file");
        assertEquals(5.0, s.train().maxGradNorm());
        assertFalse(ConfigLoader.toYaml(s).contains("clip_norm"));
    }
}
