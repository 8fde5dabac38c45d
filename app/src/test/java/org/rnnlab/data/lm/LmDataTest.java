package org.rnnlab.data.lm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rnnlab.UserInputException;
import org.rnnlab.config.LmConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LmDataTest {

    @TempDir
    Path dir;

    private static LmConfig.Data data(String dataset, int vocab) {
        return new LmConfig.Data(dataset, null, vocab, null, null);
    }

    @Test
    void readsPtbLayoutThroughDataVecWithEosAndTrainOnlyVocabulary() throws Exception {
        Files.writeString(dir.resolve("toy.train.txt"), " the cat sat \n the dog sat \n");
        Files.writeString(dir.resolve("toy.valid.txt"), " the bird sat \n");
        Files.writeString(dir.resolve("toy.test.txt"), " a cat \n");
        LmCorpus c = LmCorpusSource.load(data("toy", 100), dir, name -> fail("no managed lookup with --data"));
        // <unk> reserved, then by count: sat(2), the(2), <eos>(2), cat, dog
        assertEquals(List.of("<unk>", "<eos>", "sat", "the", "cat", "dog"), c.vocabulary().words());
        assertEquals(8, c.train().length, "4 words + <eos> per line");
        assertEquals(c.vocabulary().indexOf("<eos>"), c.train()[3]);
        int unk = c.vocabulary().unknownIndex();
        assertArrayEquals(new int[] {c.vocabulary().indexOf("the"), unk, c.vocabulary().indexOf("sat"),
                c.vocabulary().indexOf("<eos>")}, c.valid(), "bird is not in the training vocabulary");
        assertEquals(unk, c.test()[0]);
    }

    @Test
    void vocabularyLimitMapsRareWordsToUnknown() throws Exception {
        Files.writeString(dir.resolve("t.train.txt"), "a a a b b c\n");
        Files.writeString(dir.resolve("t.valid.txt"), "c\n");
        Files.writeString(dir.resolve("t.test.txt"), "b\n");
        LmCorpus c = LmCorpusSource.load(data("t", 3), dir, n -> null);
        assertEquals(3, c.vocabulary().size());
        assertEquals(c.vocabulary().unknownIndex(), c.valid()[0]);
    }

    @Test
    void singleFileIsSplitByRatios() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append("line ").append(i).append('\n');
        }
        Path f = dir.resolve("story.txt");
        Files.writeString(f, sb.toString());
        LmCorpusSource.Splits s = LmCorpusSource.readSplits(new LmConfig.Data("x", f.toString(), 100, List.of(0.8, 0.1, 0.1), null),
                null, n -> null);
        assertEquals(16, s.train().size());
        assertEquals(2, s.valid().size());
        assertEquals(2, s.test().size());
        assertNotEquals(List.of("line 16", "line 17"), s.valid(), "blocks are shuffled, not the last lines");
        assertEquals(s, LmCorpusSource.readSplits(new LmConfig.Data("x", f.toString(), 100, List.of(0.8, 0.1, 0.1), null),
                null, n -> null), "same seed, same split");
    }

    @Test
    void clearErrorsForMissingAndEmptyCorpora() throws Exception {
        UserInputException missing = assertThrows(UserInputException.class,
                () -> LmCorpusSource.load(data("ptb", 100), dir.resolve("nowhere"), n -> null));
        assertTrue(missing.getMessage().contains("nowhere"));
        UserInputException noFiles = assertThrows(UserInputException.class,
                () -> LmCorpusSource.load(data("ptb", 100), dir, n -> null));
        assertTrue(noFiles.getMessage().contains("ptb.train.txt"), noFiles.getMessage());
        Files.writeString(dir.resolve("e.train.txt"), "");
        Files.writeString(dir.resolve("e.valid.txt"), "x\n");
        Files.writeString(dir.resolve("e.test.txt"), "x\n");
        UserInputException empty = assertThrows(UserInputException.class,
                () -> LmCorpusSource.load(data("e", 100), dir, n -> null));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
    }

    @Test
    void windowsFollowTheTutorialBatching() {
        int[] stream = new int[41];
        for (int i = 0; i < stream.length; i++) {
            stream[i] = i;
        }
        TokenWindows w = new TokenWindows(stream, 2, 3);
        // rows of length 20: 0..19 and 20..39; (20-1)/3 = 6 windows
        assertEquals(6, w.numWindows());
        INDArray x = w.features(1);
        INDArray y = w.labels(1);
        assertArrayEquals(new long[] {2, 1, 3}, x.shape());
        assertArrayEquals(new long[] {2, 1, 3}, y.shape());
        assertEquals(3, x.getInt(0, 0, 0));
        assertEquals(23, x.getInt(1, 0, 0));
        assertEquals(4, y.getInt(0, 0, 0), "targets are the inputs shifted by one word");
        assertEquals(26, y.getInt(1, 0, 2));
        assertEquals(w.target(1, 1, 2), y.getInt(1, 0, 2));
        assertEquals(36, w.targetWords());
        assertThrows(UserInputException.class, () -> new TokenWindows(new int[5], 2, 3));
    }
}
