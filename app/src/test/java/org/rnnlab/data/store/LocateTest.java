package org.rnnlab.data.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lookup order: --data, the project's datasets/, the mirror folder, the public address, then a message saying how to get it. */
class LocateTest {

    @TempDir
    Path tmp;

    private Path home() {
        return tmp.resolve("home");
    }

    private Path projectPtb() throws IOException {
        return Fixtures.writePtbFiles(home().resolve("datasets/ptb"));
    }

    @Test
    void explicitFolderHoldingTheFilesWinsOverTheProjectCopy() throws IOException {
        projectPtb();
        Path data = Fixtures.writePtbFiles(tmp.resolve("mydata"));
        assertEquals(data, Fixtures.store(home()).locate("ptb", data));
    }

    @Test
    void explicitFolderWithAnArchiveLikeLayoutInside() throws IOException {
        Path data = tmp.resolve("unpacked");
        Path nested = Fixtures.writePtbFiles(data.resolve("simple-examples/data"));
        Files.createDirectories(data.resolve("simple-examples/models"));
        assertEquals(nested, Fixtures.store(home()).locate("ptb", data));

        Path imdb = Fixtures.writeImdbFiles(tmp.resolve("imdbdata/aclImdb"));
        Files.createDirectories(imdb.resolve("train/unsup"));
        assertEquals(imdb, Fixtures.store(home()).locate("imdb", tmp.resolve("imdbdata")));
    }

    @Test
    void explicitFolderWithoutTheDataNamesItAndWhatIsExpected() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.createDirectories(empty.resolve("aclImdb/train/pos"));
        UserInputException e = assertThrows(UserInputException.class,
                () -> Fixtures.store(home()).locate("imdb", empty));
        assertEquals("data folder " + empty + ": holds no imdb data (expected train/pos, train/neg, test/pos, test/neg"
                + " in it or in a subfolder)", e.getMessage());

        Path nowhere = tmp.resolve("nowhere");
        UserInputException missing = assertThrows(UserInputException.class,
                () -> Fixtures.store(home()).locate("ptb", nowhere));
        assertTrue(missing.getMessage().startsWith("data folder " + nowhere + ": no such folder"), missing.getMessage());

        Path file = Files.writeString(tmp.resolve("ptb.tar.gz"), "x");
        UserInputException isFile = assertThrows(UserInputException.class,
                () -> Fixtures.store(home()).locate("ptb", file));
        assertTrue(isFile.getMessage().contains("rnnlab datasets import ptb " + file), isFile.getMessage());
    }

    @Test
    void projectDatasetsFolderComesBeforeTheMirror() throws IOException {
        Path own = projectPtb();
        Path mirror = Files.createDirectories(tmp.resolve("mirror"));
        Files.writeString(mirror.resolve("ptb.tar.gz"), "not even an archive: must not be read");
        assertEquals(own, Fixtures.store(home(), Map.of(DatasetStore.MIRROR_ENV, mirror.toString())).locate("ptb"));
    }

    @Test
    void anArchiveInTheMirrorIsImportedOnFirstUse() throws IOException {
        Path mirror = tmp.resolve("mirror");
        Fixtures.ptbSimpleExamples().writeGzip(mirror.resolve("simple-examples.tgz"));
        Fixtures.imdb("aclImdb/", true).writeGzip(mirror.resolve("aclImdb_v1.tar.gz"));
        DatasetStore store = Fixtures.store(home(), Map.of(DatasetStore.MIRROR_ENV, mirror.toString()));

        Path ptb = store.locate("ptb");
        assertEquals(home().resolve("datasets/ptb").toAbsolutePath(), ptb);
        assertEquals(Fixtures.PTB.get("ptb.train.txt"), Files.readString(ptb.resolve("ptb.train.txt")));
        assertEquals(home().resolve("datasets/imdb").toAbsolutePath(), store.locate("imdb"));
        assertEquals(DatasetState.VERIFIED, store.status("imdb").state());

        // Second use: found in datasets/, the mirror is no longer needed.
        Files.delete(mirror.resolve("simple-examples.tgz"));
        assertEquals(ptb, Fixtures.store(home()).locate("ptb"));
    }

    @Test
    void withoutTheVariableTheSharedFolderBesideTheProjectIsTheMirror() throws IOException {
        Path beside = tmp.resolve("shared/datasets");
        Fixtures.ptbShared().writeGzip(beside.resolve("ptb.tar.gz"));
        DatasetStore store = Fixtures.store(home());
        assertEquals(beside.toAbsolutePath(), store.defaultMirror());
        assertEquals(home().resolve("datasets/ptb").toAbsolutePath(), store.locate("ptb"));

        UserInputException e = assertThrows(UserInputException.class, () -> store.locate("imdb"));
        assertTrue(e.getMessage().contains("the mirror folder " + beside.toAbsolutePath()
                + " holds no aclImdb_v1-labeled.tar.gz or aclImdb_v1.tar.gz"), e.getMessage());

        // The variable wins over the folder beside the project.
        Path other = Files.createDirectories(tmp.resolve("other"));
        UserInputException named = assertThrows(UserInputException.class,
                () -> Fixtures.store(home(), Map.of(DatasetStore.MIRROR_ENV, other.toString())).locate("imdb"));
        assertTrue(named.getMessage().contains(DatasetStore.MIRROR_ENV + "=" + other + " holds no"), named.getMessage());
    }

    @Test
    void aMirrorWithoutTheArchiveSaysSo() throws IOException {
        Path mirror = Files.createDirectories(tmp.resolve("mirror"));
        UserInputException e = assertThrows(UserInputException.class,
                () -> Fixtures.store(home(), Map.of(DatasetStore.MIRROR_ENV, mirror.toString())).locate("ptb"));
        assertTrue(e.getMessage().contains(DatasetStore.MIRROR_ENV + "=" + mirror + " holds no ptb.tar.gz or simple-examples.tgz"),
                e.getMessage());
        assertTrue(e.getMessage().contains("'rnnlab datasets fetch ptb'"), e.getMessage());

        Path notADir = tmp.resolve("no-such-mirror");
        UserInputException bad = assertThrows(UserInputException.class,
                () -> Fixtures.store(home(), Map.of(DatasetStore.MIRROR_ENV, notADir.toString())).locate("ptb"));
        assertTrue(bad.getMessage().startsWith(DatasetStore.MIRROR_ENV + "=" + notADir + ": not a folder"), bad.getMessage());
    }

    @Test
    void nothingAnywhereSaysHowToFetchOrImport() {
        UserInputException e = assertThrows(UserInputException.class, () -> Fixtures.store(home()).locate("ptb"));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.startsWith("dataset ptb not found (not in " + home().resolve("datasets/ptb").toAbsolutePath()
                + ", no mirror folder: " + DatasetStore.MIRROR_ENV + " is not set and "), m);
        // The public address is the last place tried (the test manifest's points at a closed local port).
        assertTrue(m.contains("download of http://127.0.0.1:9/simple-examples.tgz failed"), m);
        assertTrue(m.contains("'rnnlab datasets fetch ptb'"), m);
        assertTrue(m.contains("'rnnlab datasets import ptb PATH/TO/ARCHIVE'"), m);
        assertTrue(m.contains(DatasetStore.MIRROR_ENV), m);
    }

    @Test
    void anIncompleteProjectCopyIsNotUsedAndTheMessageSaysWhatItLacks() throws IOException {
        Files.delete(projectPtb().resolve("ptb.test.txt"));
        UserInputException e = assertThrows(UserInputException.class, () -> Fixtures.store(home()).locate("ptb"));
        assertTrue(e.getMessage().contains("datasets/ptb lacks ptb.test.txt"), e.getMessage());
    }

    @Test
    void homeComesFromThePropertyThenTheEnvironmentThenTheCurrentFolder() {
        String saved = System.getProperty(DatasetStore.HOME_PROPERTY);
        try {
            System.clearProperty(DatasetStore.HOME_PROPERTY);
            assertEquals(Path.of("/from/env"), DatasetStore.defaultHome(Map.of(DatasetStore.HOME_ENV, "/from/env")::get));
            assertEquals(Path.of(""), DatasetStore.defaultHome(Map.<String, String>of()::get));
            System.setProperty(DatasetStore.HOME_PROPERTY, "/from/property");
            assertEquals(Path.of("/from/property"), DatasetStore.defaultHome(Map.of(DatasetStore.HOME_ENV, "/from/env")::get));
        } finally {
            if (saved == null) {
                System.clearProperty(DatasetStore.HOME_PROPERTY);
            } else {
                System.setProperty(DatasetStore.HOME_PROPERTY, saved);
            }
        }
    }
}
