package org.rnnlab.data.sentiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.UserInputException;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.SentimentConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ReviewReaderTest {

    @TempDir
    Path dir;

    private static List<Path> tree(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.sorted().toList();
        }
    }

    @Test
    void readsLabelsFromFolderNamesAndIgnoresUnsupAndStrayFiles() throws Exception {
        Path root = ImdbFixture.write(dir.resolve("imdb"), 4, 1);
        Files.createDirectories(root.resolve("train/unsup"));
        Files.writeString(root.resolve("train/unsup/0_0.txt"), "an unlabelled review");
        Files.writeString(root.resolve("train/urls_pos.txt"), "http://example.org");
        Files.createDirectories(root.resolve("train/pos/extra"));
        Files.writeString(root.resolve("train/pos/extra/9_9.txt"), "nested deeper");
        List<Review> reviews = ReviewReader.read(ImdbLayout.at(root).split("train"));
        assertEquals(8, reviews.size());
        assertEquals(4, reviews.stream().filter(r -> r.label() == 1).count());
        for (Review r : reviews) {
            assertEquals(r.label() == 1 ? "pos" : "neg", Path.of(r.source()).getParent().getFileName().toString());
            assertTrue(r.text().contains("<br />"), "the raw text, tokenized later");
        }
        assertEquals(reviews, ReviewReader.read(ImdbLayout.at(root).split("train")), "the same order every time");
    }

    @Test
    void acceptsTheArchiveFolderInside() {
        ImdbFixture.write(dir.resolve("aclImdb"), 2, 1);
        assertEquals(dir.resolve("aclImdb"), ImdbLayout.at(dir).root());
        assertEquals(2, ReviewReader.read(ImdbLayout.at(dir).split("test")).size(), "one test review per label");
    }

    @Test
    void aFolderWithoutPosAndNegIsOneLineNamingItAndChangesNothing() throws Exception {
        Path root = dir.resolve("data");
        Files.createDirectories(root.resolve("train/positive"));
        Files.createDirectories(root.resolve("test"));
        List<Path> before = tree(dir);
        UserInputException e = assertThrows(UserInputException.class, () -> ImdbLayout.at(root).split("train"));
        assertTrue(e.getMessage().startsWith(root.resolve("train").toString()) && e.getMessage().contains("pos/ and neg/"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        Path missing = dir.resolve("no-such-dataset");
        UserInputException e2 = assertThrows(UserInputException.class, () -> ImdbLayout.at(missing));
        assertTrue(e2.getMessage().contains("no-such-dataset") && e2.getMessage().contains("not found"), e2.getMessage());
        assertEquals(before, tree(dir), "nothing created (DataVec's FileSplit would create a missing root as a file)");
    }

    @Test
    void emptyReviewFilesAndEmptyLabelFoldersAreRefused() throws Exception {
        Path root = ImdbFixture.write(dir.resolve("imdb"), 2, 1);
        Files.writeString(root.resolve("train/neg/7_1.txt"), "  \n");
        UserInputException e = assertThrows(UserInputException.class, () -> ReviewReader.read(root.resolve("train")));
        assertTrue(e.getMessage().contains("7_1.txt") && e.getMessage().contains("empty review file"), e.getMessage());
        try (Stream<Path> s = Files.list(root.resolve("test/pos"))) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        UserInputException e2 = assertThrows(UserInputException.class, () -> ReviewReader.read(root.resolve("test")));
        assertTrue(e2.getMessage().contains("pos") && e2.getMessage().contains("no reviews"), e2.getMessage());
    }

    @Test
    void trainingDataHoldsOutASeededValidationPartAndBuildsTheVocabularyFromTheRest() {
        Path root = ImdbFixture.write(dir.resolve("imdb"), 20, 3);
        SentimentConfig cfg = (SentimentConfig) ConfigLoader.parse(
                "task: sentiment\nseed: 5\ndata: {vocab_size: 12, max_len: 4, valid_fraction: 0.25}\n", "t");
        SentimentDataSource.TrainingData d = SentimentDataSource.load(cfg, root.resolve("train"));
        assertEquals(30, d.train().size());
        assertEquals(10, d.valid().size());
        assertEquals(12, d.vocabulary().size());
        assertEquals(List.of("<pad>", "<unk>"), d.vocabulary().words().subList(0, 2));
        assertTrue(d.train().sequences().stream().allMatch(s -> s.length >= 1 && s.length <= 4));
        SentimentDataSource.TrainingData again = SentimentDataSource.load(cfg, root.resolve("train"));
        assertArrayEquals(d.valid().labels(), again.valid().labels());
        assertEquals(d.vocabulary(), again.vocabulary());
    }
}
