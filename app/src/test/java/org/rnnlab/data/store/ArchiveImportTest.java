package org.rnnlab.data.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchiveImportTest {

    @TempDir
    Path tmp;

    private Path home() {
        return tmp.resolve("home");
    }

    private Path ptbDir() {
        return home().resolve("datasets/ptb");
    }

    private void assertPtbInstalled(Path dir) throws IOException {
        assertEquals(List.of(".rnnlab-verified.yaml", "ptb.test.txt", "ptb.train.txt", "ptb.valid.txt"), Fixtures.tree(dir));
        for (Map.Entry<String, String> e : Fixtures.PTB.entrySet()) {
            assertEquals(e.getValue(), Files.readString(dir.resolve(e.getKey())));
        }
    }

    /** After a refused import: no dataset folder and no hidden half-finished work left. */
    private void assertNothingImported() {
        assertFalse(Files.exists(ptbDir()), "datasets/ptb must not exist");
        assertEquals(List.of(), Fixtures.leftovers(home().resolve("datasets")));
    }

    @Test
    void importsPtbInTheSharedLayout() throws IOException {
        Path archive = Fixtures.ptbShared().writeGzip(tmp.resolve("ptb.tar.gz"));
        ImportResult r = Fixtures.store(home()).importArchive("ptb", archive);
        assertEquals(3, r.files());
        assertEquals(ptbDir(), r.dir());
        assertPtbInstalled(ptbDir());
        assertEquals(List.of(), Fixtures.leftovers(home().resolve("datasets")));
        assertEquals(DatasetState.VERIFIED, Fixtures.store(home()).status("ptb").state());
    }

    @Test
    void importsPtbFromTheSimpleExamplesLayoutAndNothingElseOfIt() throws IOException {
        Path archive = Fixtures.ptbSimpleExamples().writeGzip(tmp.resolve("simple-examples.tgz"));
        Fixtures.store(home()).importArchive("ptb", archive);
        assertPtbInstalled(ptbDir());
    }

    @Test
    void importsAnUncompressedTar() throws IOException {
        Path archive = Files.write(tmp.resolve("ptb.tar"), Fixtures.ptbShared().tarBytes());
        Fixtures.store(home()).importArchive("ptb", archive);
        assertPtbInstalled(ptbDir());
    }

    @Test
    void importsImdbLabelledArchive() throws IOException {
        Path archive = Fixtures.imdb("aclImdb/", false).writeGzip(tmp.resolve("aclImdb_v1-labeled.tar.gz"));
        ImportResult r = Fixtures.store(home()).importArchive("imdb", archive);
        assertEquals(12, r.files());
        assertImdbInstalled();
    }

    @Test
    void importsImdbPublicArchiveWithoutItsUnsupFolder() throws IOException {
        Path archive = Fixtures.imdb("aclImdb/", true).writeGzip(tmp.resolve("aclImdb_v1.tar.gz"));
        Fixtures.store(home()).importArchive("imdb", archive);
        assertImdbInstalled();
        assertFalse(Files.exists(home().resolve("datasets/imdb/train/unsup")));
    }

    @Test
    void importsImdbWithoutAnyPrefix() throws IOException {
        Path archive = Fixtures.imdb("", false).writeGzip(tmp.resolve("flat.tar.gz"));
        Fixtures.store(home()).importArchive("imdb", archive);
        assertImdbInstalled();
    }

    private void assertImdbInstalled() {
        Path dir = home().resolve("datasets/imdb");
        List<String> files = Fixtures.tree(dir).stream().filter(p -> p.endsWith(".txt")).toList();
        assertEquals(12, files.size(), files.toString());
        for (String folder : Fixtures.IMDB_FOLDERS) {
            for (String id : Fixtures.IMDB_IDS) {
                assertTrue(files.contains(folder + "/" + id + ".txt"), folder + "/" + id);
            }
        }
        assertEquals(DatasetState.VERIFIED, Fixtures.store(home()).status("imdb").state());
    }

    @Test
    void reimportReplacesAnEarlierCopy() throws IOException {
        DatasetStore store = Fixtures.store(home());
        Path archive = Fixtures.ptbShared().writeGzip(tmp.resolve("ptb.tar.gz"));
        store.importArchive("ptb", archive);
        Files.writeString(ptbDir().resolve("ptb.test.txt"), "damaged");
        Files.writeString(ptbDir().resolve("stray.txt"), "not part of the dataset");
        store.importArchive("ptb", archive);
        assertPtbInstalled(ptbDir());
    }

    @Test
    void aFailedImportKeepsTheEarlierCopy() throws IOException {
        DatasetStore store = Fixtures.store(home());
        store.importArchive("ptb", Fixtures.ptbShared().writeGzip(tmp.resolve("ptb.tar.gz")));
        Path bad = new TestArchive().file("ptb/ptb.train.txt", "other text\n")
                .file("ptb/ptb.valid.txt", Fixtures.PTB.get("ptb.valid.txt"))
                .file("ptb/ptb.test.txt", Fixtures.PTB.get("ptb.test.txt"))
                .writeGzip(tmp.resolve("bad.tar.gz"));
        assertThrows(UserInputException.class, () -> store.importArchive("ptb", bad));
        assertPtbInstalled(ptbDir());
        assertEquals(DatasetState.VERIFIED, store.status("ptb").state());
    }

    @Test
    void checksumMismatchIsAClearError() {
        Path bad = new TestArchive().file("ptb/ptb.train.txt", "other text\n")
                .file("ptb/ptb.valid.txt", Fixtures.PTB.get("ptb.valid.txt"))
                .file("ptb/ptb.test.txt", Fixtures.PTB.get("ptb.test.txt"))
                .writeGzip(tmp.resolve("bad.tar.gz"));
        UserInputException e = assertThrows(UserInputException.class,
                () -> Fixtures.store(home()).importArchive("ptb", bad));
        assertTrue(e.getMessage().contains("ptb.train.txt has SHA-256 " + Fixtures.sha256("other text\n")
                + ", expected " + Fixtures.sha256(Fixtures.PTB.get("ptb.train.txt"))), e.getMessage());
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        assertNothingImported();
    }

    @Test
    void imdbWithAMissingReviewIsRefused() {
        TestArchive a = new TestArchive();
        for (String folder : Fixtures.IMDB_FOLDERS) {
            for (String id : Fixtures.IMDB_IDS) {
                if (!(folder.equals("train/pos") && id.equals("2_3"))) {
                    a.file("aclImdb/" + folder + "/" + id + ".txt", Fixtures.imdbReview(folder, id));
                }
            }
        }
        Path archive = a.writeGzip(tmp.resolve("imdb.tar.gz"));
        UserInputException e = assertThrows(UserInputException.class,
                () -> Fixtures.store(home()).importArchive("imdb", archive));
        assertTrue(e.getMessage().contains("train/pos holds 2 files, expected 3"), e.getMessage());
        assertFalse(Files.exists(home().resolve("datasets/imdb")));
    }

    @Test
    void anArchiveLackingAFileSaysWhichOne() {
        Path archive = new TestArchive().file("ptb/ptb.train.txt", Fixtures.PTB.get("ptb.train.txt"))
                .file("ptb/ptb.valid.txt", Fixtures.PTB.get("ptb.valid.txt"))
                .writeGzip(tmp.resolve("partial.tar.gz"));
        UserInputException e = assertThrows(UserInputException.class,
                () -> Fixtures.store(home()).importArchive("ptb", archive));
        assertTrue(e.getMessage().contains("holds no complete ptb dataset"), e.getMessage());
        assertTrue(e.getMessage().contains("under 'ptb/' it lacks ptb.test.txt"), e.getMessage());
        assertNothingImported();
    }

    @Test
    void truncatedArchiveIsAClearError() throws IOException {
        byte[] whole = Fixtures.ptbShared().file("ptb/padding.bin", "x".repeat(20_000)).gzipBytes();
        for (int cut : new int[] {whole.length / 2, whole.length - 4}) {
            Path archive = Files.write(tmp.resolve("cut" + cut + ".tar.gz"), Arrays.copyOf(whole, cut));
            UserInputException e = assertThrows(UserInputException.class,
                    () -> Fixtures.store(home()).importArchive("ptb", archive));
            assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
            assertFalse(e.getMessage().contains("null"), "the problem in words, not a missing message: " + e.getMessage());
            assertNothingImported();
        }
    }

    @Test
    void aTruncatedGzipTrailerIsFoundEvenAfterTheTarEnd() {
        // tar with a large blocking factor (tar -b 2048) pads with zeros far past the end-of-archive
        // marker; a cut in the gzip trailer then lies beyond what a tar reader consumes.
        byte[] padded = Arrays.copyOf(Fixtures.ptbShared().tarBytes(), 1 << 20);
        byte[] gz = TestArchive.gzip(padded);
        Path archive = tmp.resolve("padded.tar.gz");
        assertThrows(UserInputException.class, () -> {
            Files.write(archive, Arrays.copyOf(gz, gz.length - 4));
            Fixtures.store(home()).importArchive("ptb", archive);
        });
        assertNothingImported();
    }

    @Test
    void aFileThatIsNoArchiveIsAClearError() throws IOException {
        Path notArchive = Files.writeString(tmp.resolve("ptb.tar.gz"), "just some text, not a tar archive at all\n");
        UserInputException e = assertThrows(UserInputException.class,
                () -> Fixtures.store(home()).importArchive("ptb", notArchive));
        assertTrue(e.getMessage().contains("not a tar archive"), e.getMessage());
        assertNothingImported();
    }

    @Test
    void aMissingArchiveOrUnknownDatasetIsAClearError() {
        Path missing = tmp.resolve("nowhere.tar.gz");
        UserInputException e = assertThrows(UserInputException.class,
                () -> Fixtures.store(home()).importArchive("ptb", missing));
        assertEquals(missing + ": no such file (expected an archive file: .tar.gz, .tgz or .tar)", e.getMessage());
        UserInputException unknown = assertThrows(UserInputException.class,
                () -> Fixtures.store(home()).importArchive("mnist", missing));
        assertTrue(unknown.getMessage().startsWith("unknown dataset 'mnist' (known: ptb, imdb"), unknown.getMessage());
    }

    // ---- hostile archives: refused as a whole, nothing written outside (or inside) the target ----

    private void assertRefused(TestArchive hostile, String entry) {
        Path archive = hostile.writeGzip(tmp.resolve("archives/hostile.tar.gz"));
        UserInputException e = assertThrows(UserInputException.class,
                () -> Fixtures.store(home()).importArchive("ptb", archive));
        assertTrue(e.getMessage().contains("refusing entry '" + entry + "'"), e.getMessage());
        assertNothingImported();
        List<String> outside = Fixtures.tree(tmp).stream()
                .filter(p -> !p.startsWith("home") && !p.startsWith("archives")).toList();
        assertEquals(List.of(), outside, "nothing may be written outside the datasets folder");
        assertTrue(Fixtures.tree(tmp).stream().noneMatch(p -> p.contains("evil")), Fixtures.tree(tmp).toString());
    }

    @Test
    void refusesDotDotEntries() {
        assertRefused(Fixtures.ptbShared().file("../evil", "x"), "../evil");
        assertRefused(Fixtures.ptbShared().file("ptb/../../../evil", "x"), "ptb/../../../evil");
    }

    @Test
    void refusesAbsoluteEntries() {
        String abs = tmp.resolve("evil-abs").toAbsolutePath().toString();
        assertRefused(new TestArchive().file(abs, "x").file("ptb/ptb.train.txt", "t"), abs);
    }

    @Test
    void refusesSymlinksAndHardlinksEscapingTheTarget() {
        // The classic attack: a link to outside, then a file written "through" it.
        assertRefused(Fixtures.ptbShared().symlink("ptb/escape", "../../..").file("ptb/escape/evil.txt", "x"),
                "ptb/escape");
        assertRefused(Fixtures.ptbShared().symlink("ptb/evil-link", tmp.toAbsolutePath().toString()), "ptb/evil-link");
        assertRefused(Fixtures.ptbShared().hardlink("ptb/evil-hard", "../outside.txt"), "ptb/evil-hard");
    }

    @Test
    void linksInsideTheArchiveAreSkippedNotCreated() throws IOException {
        Path archive = Fixtures.ptbShared()
                .symlink("ptb/alias.txt", "ptb.train.txt")
                .hardlink("ptb/hard.txt", "ptb/ptb.train.txt")
                .writeGzip(tmp.resolve("links.tar.gz"));
        Fixtures.store(home()).importArchive("ptb", archive);
        assertPtbInstalled(ptbDir());
    }
}
