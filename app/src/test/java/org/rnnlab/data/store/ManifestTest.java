package org.rnnlab.data.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestTest {

    @TempDir
    Path tmp;

    /** The checkout's datasets/manifest.yaml, found upwards from the test's working folder (app/). */
    static Path projectManifest() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("datasets").resolve(Manifest.FILE_NAME);
            if (Files.isRegularFile(candidate) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return candidate;
            }
        }
        throw new AssertionError("datasets/manifest.yaml not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void theBuiltInCopyIsIdenticalToTheProjectManifest() throws IOException {
        byte[] builtIn;
        try (InputStream in = Manifest.class.getResourceAsStream(Manifest.BUILT_IN_RESOURCE)) {
            assertNotNull(in, "missing classpath resource " + Manifest.BUILT_IN_RESOURCE);
            builtIn = in.readAllBytes();
        }
        assertArrayEquals(Files.readAllBytes(projectManifest()), builtIn,
                "app/src/main/resources" + Manifest.BUILT_IN_RESOURCE + " must be a copy of datasets/manifest.yaml");
    }

    @Test
    void theProjectManifestDescribesPtbAndImdb() {
        Manifest m = Manifest.load(projectManifest());
        assertEquals(List.of("ptb", "imdb"), List.copyOf(m.datasets().keySet()));
        DatasetSpec ptb = m.dataset("ptb");
        assertEquals(URI.create("http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz"), ptb.url());
        assertEquals(List.of("ptb.tar.gz", "simple-examples.tgz"), ptb.archives());
        assertEquals(Map.of(
                "ptb.train.txt", "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
                "ptb.valid.txt", "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
                "ptb.test.txt", "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0"), ptb.files());
        DatasetSpec imdb = m.dataset("imdb");
        assertEquals(URI.create("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"), imdb.url());
        assertEquals(List.of("aclImdb_v1-labeled.tar.gz", "aclImdb_v1.tar.gz"), imdb.archives());
        assertEquals(Map.of("train/pos", 12500, "train/neg", 12500, "test/pos", 12500, "test/neg", 12500), imdb.folders());
        assertEquals("4b0bfdfe140012ba264b743f2f135941b854bb46af27666f7613982147fe8a1a", imdb.foldersSha256());
        assertEquals("train/pos, train/neg, test/pos, test/neg", imdb.describeExpected());
    }

    @Test
    void aHomeWithoutAManifestUsesTheBuiltInOne() throws IOException {
        assertTrue(Manifest.forHome(tmp).source().startsWith("built-in"));
        Path own = Files.createDirectories(tmp.resolve("datasets")).resolve(Manifest.FILE_NAME);
        Files.writeString(own, Fixtures.manifestYaml("https://example.org/ptb.tgz"));
        assertEquals(own.toString(), Manifest.forHome(tmp).source());
    }

    private static String error(String yaml) {
        return assertThrows(UserInputException.class, () -> Manifest.parse(yaml, "m.yaml")).getMessage();
    }

    private static String ptbWith(String extra) {
        return """
                version: 1
                datasets:
                  ptb:
                    url: https://example.org/ptb.tgz
                    archives: [ptb.tar.gz]
                """ + extra;
    }

    @Test
    void mistakesNameTheKeyAndWhatIsExpected() {
        String sha = "a".repeat(64);
        assertEquals("m.yaml: datasets.ptb: unknown key 'checksum'; expected one of archives, description,"
                + " files, folders, folders-sha256, url", error(ptbWith("    checksum: x\n")));
        assertEquals("m.yaml: datasets.ptb.files.ptb.train.txt: 'abc' is not a SHA-256 (expected 64 lower-case hex digits)",
                error(ptbWith("    files: {ptb.train.txt: abc}\n")));
        assertEquals("m.yaml: datasets.ptb.files: '../x' is not a plain relative path (expected names joined by '/',"
                + " no '.', '..' or leading '/')", error(ptbWith("    files: {../x: " + sha + "}\n")));
        assertEquals("m.yaml: datasets.ptb: 'folders' and 'folders-sha256' go together (one is missing)",
                error(ptbWith("    folders: {train/pos: 3}\n")));
        assertEquals("m.yaml: datasets.ptb: lists no files and no folders (expected at least one)", error(ptbWith("")));
        assertEquals("m.yaml: datasets.ptb.url: 'ftp://x/y' is not an http or https address",
                error(ptbWith("    files: {a: " + sha + "}\n").replace("https://example.org/ptb.tgz", "ftp://x/y")));
        assertEquals("m.yaml: datasets.ptb.files: wrong type: expected a map of keys to values",
                error("version: 1\ndatasets:\n  ptb:\n    files: [a, b]\n"));
        assertEquals("m.yaml: datasets.imdb.folders.train/pos: wrong type: expected a whole number",
                error("version: 1\ndatasets:\n  imdb:\n    folders: {train/pos: many}\n"));
        String syntax = error("version: 1\ndatasets:\n  ptb:\n\turl: x\n");
        assertTrue(syntax.startsWith("m.yaml: invalid YAML: ") && syntax.contains("line 4"), syntax);
    }

    @Test
    void anUnknownDatasetListsTheKnownOnes() {
        UserInputException e = assertThrows(UserInputException.class, () -> Fixtures.manifest().dataset("mnist"));
        assertEquals("unknown dataset 'mnist' (known: ptb, imdb; from test manifest)", e.getMessage());
    }
}
