package org.rnnlab.data.lm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.UserInputException;
import org.rnnlab.config.LmConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Free text in: seeded splits of a file or folder, and the one-line errors for input that cannot be read. */
class CorpusInputTest {

    @TempDir
    Path dir;

    private static LmConfig.Data data(String path, String tokenizer, String eos) {
        return new LmConfig.Data("book", path, 100, List.of(0.8, 0.1, 0.1), null, tokenizer, false, eos);
    }

    private Path book(String name, int paragraphs) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < paragraphs; p++) {
            sb.append("Paragraph ").append(p).append(" starts here,\nand goes on. The end.\n\n");
        }
        Path f = dir.resolve(name);
        Files.writeString(f, sb.toString());
        return f;
    }

    @Test
    void singleFileSplitIsSeededAndRecordedAndKeepsParagraphsWhole() throws Exception {
        Path f = book("book.txt", 40);
        LmConfig.Data d = data(f.toString(), "words", "paragraph");
        LmCorpusSource.Splits a = LmCorpusSource.readSplits(d, null, n -> null, 1);
        LmCorpusSource.Splits b = LmCorpusSource.readSplits(d, null, n -> null, 1);
        LmCorpusSource.Splits c = LmCorpusSource.readSplits(d, null, n -> null, 2);
        assertEquals(a, b);
        assertNotEquals(a.layout(), c.layout(), "another seed deals other blocks");
        assertEquals(32, a.layout().get("train").size());
        assertEquals(4, a.layout().get("valid").size());
        assertTrue(a.layout().get("test").get(0).matches("book\\.txt:\\d+-\\d+"), a.layout().toString());
        List<String> all = new ArrayList<>(a.train());
        all.addAll(a.valid());
        all.addAll(a.test());
        assertEquals(120, all.size(), "every line (blank ones too, they end paragraphs) lands in exactly one split");
        LmCorpus corpus = LmCorpusSource.corpus(a, d);
        int eos = corpus.vocabulary().indexOf("<eos>");
        assertEquals(4, java.util.Arrays.stream(corpus.valid()).filter(i -> i == eos).count(), "one <eos> per paragraph");
        assertTrue(corpus.vocabulary().contains(","), "punctuation is its own token");
    }

    @Test
    void folderOfTextFilesIsSplitAcrossFiles() throws Exception {
        Path books = Files.createDirectory(dir.resolve("books"));
        for (int i = 0; i < 3; i++) {
            Files.writeString(books.resolve("b" + i + ".txt"), "one line\nanother line\n".repeat(20));
        }
        Files.writeString(books.resolve("notes.md"), "\u0000 not read");
        LmCorpusSource.Splits s = LmCorpusSource.readSplits(data(books.toString(), "chars", "line"), null, n -> null, 3);
        assertEquals(120, s.train().size() + s.valid().size() + s.test().size());
        assertTrue(s.layout().values().stream().flatMap(List::stream).anyMatch(b -> b.startsWith("b2.txt:")));
    }

    @Test
    void nonUtf8AndBinaryFilesNameTheLineAndByte() throws Exception {
        Path latin = dir.resolve("latin.txt");
        Files.write(latin, "good line\ncaf".getBytes(StandardCharsets.US_ASCII));
        Files.write(latin, new byte[] {(byte) 0xE9, '\n'}, java.nio.file.StandardOpenOption.APPEND);
        UserInputException e = assertThrows(UserInputException.class,
                () -> LmCorpusSource.readSplits(data(latin.toString(), "words", "line"), null, n -> null, 1));
        assertTrue(e.getMessage().startsWith(latin + ": not UTF-8 text: invalid byte 0xE9 at line 2, byte offset 13")
                && e.getMessage().contains("data.encoding to latin-1"), e.getMessage());
        Path bin = dir.resolve("model.txt");
        Files.write(bin, new byte[] {'a', '\n', 'b', 'c', 0, 1, 2});
        UserInputException b = assertThrows(UserInputException.class,
                () -> LmCorpusSource.readSplits(data(bin.toString(), "words", "line"), null, n -> null, 1));
        assertTrue(b.getMessage().startsWith(bin + ": not text: a NUL byte at line 2, byte offset 4"), b.getMessage());
    }

    @Test
    void emptySplitIsRefused() throws Exception {
        Files.writeString(dir.resolve("e.train.txt"), "some words here\n");
        Files.writeString(dir.resolve("e.valid.txt"), "\n\n");
        Files.writeString(dir.resolve("e.test.txt"), "words\n");
        LmConfig.Data d = new LmConfig.Data("e", null, 100, null, null, "words", false, "paragraph");
        UserInputException e = assertThrows(UserInputException.class, () -> LmCorpusSource.load(d, dir, n -> null));
        assertTrue(e.getMessage().contains("the valid split is empty"), e.getMessage());
    }
}
