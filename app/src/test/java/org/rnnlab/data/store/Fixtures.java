package org.rnnlab.data.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Tiny PTB-like and IMDB-like datasets, their archives in the public and shared layouts, and a manifest for them. */
final class Fixtures {

    static final Map<String, String> PTB = Map.of(
            "ptb.train.txt", " the cat sat on the mat \n the dog sat \n",
            "ptb.valid.txt", " a cat sat \n",
            "ptb.test.txt", " the dog ran \n");

    static final List<String> IMDB_FOLDERS = List.of("train/pos", "train/neg", "test/pos", "test/neg");
    static final List<String> IMDB_IDS = List.of("1_2", "10_1", "2_3");

    /**
     * The tree digest of the tiny IMDB set, computed with coreutils, not with rnnlab:
     * {@code find ... | LC_ALL=C sort | (path TAB sha256sum) | sha256sum}.
     */
    static final String IMDB_TREE_SHA256 = "f335d8ed603c6e4f493c673a1265227b0118a635a9ae8fa10a9029dbf17ec091";

    private Fixtures() {
    }

    static String imdbReview(String folder, String id) {
        return folder + " review " + id + "\n";
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A manifest for the tiny datasets; {@code ptbUrl} is where fetch downloads PTB from. */
    static String manifestYaml(String ptbUrl) {
        return """
                version: 1
                datasets:
                  ptb:
                    description: tiny PTB
                    url: %s
                    archives: [ptb.tar.gz, simple-examples.tgz]
                    files:
                      ptb.train.txt: %s
                      ptb.valid.txt: %s
                      ptb.test.txt: %s
                  imdb:
                    url: https://example.org/aclImdb_v1.tar.gz
                    archives: [aclImdb_v1-labeled.tar.gz, aclImdb_v1.tar.gz]
                    folders:
                      train/pos: 3
                      train/neg: 3
                      test/pos: 3
                      test/neg: 3
                    folders-sha256: %s
                """.formatted(ptbUrl, sha256(PTB.get("ptb.train.txt")), sha256(PTB.get("ptb.valid.txt")),
                sha256(PTB.get("ptb.test.txt")), IMDB_TREE_SHA256);
    }

    static Manifest manifest() {
        return manifest("http://127.0.0.1:9/simple-examples.tgz");
    }

    static Manifest manifest(String ptbUrl) {
        return Manifest.parse(manifestYaml(ptbUrl), "test manifest");
    }

    static DatasetStore store(Path home) {
        return store(home, Map.of());
    }

    static DatasetStore store(Path home, Map<String, String> env) {
        return new DatasetStore(home, manifest(), env::get, false);
    }

    /** PTB as in the shared copy: ptb/ptb.*.txt. */
    static TestArchive ptbShared() {
        TestArchive a = new TestArchive().dir("ptb");
        PTB.forEach((name, text) -> a.file("ptb/" + name, text));
        return a;
    }

    /** PTB as in Mikolov's simple-examples.tgz: the files in simple-examples/data/ among many others. */
    static TestArchive ptbSimpleExamples() {
        TestArchive a = new TestArchive()
                .dir("simple-examples").dir("simple-examples/data").dir("simple-examples/models")
                .file("simple-examples/1-num-examples/README", "examples\n")
                .file("simple-examples/data/README", "data\n")
                .file("simple-examples/data/ptb.char.train.txt", "t h e\n")
                .file("simple-examples/models/swb.ngram.model", "model\n")
                .file("simple-examples/rnnlm-0.2b/rnnlm.cpp", "int main() {}\n");
        PTB.forEach((name, text) -> a.file("./simple-examples/data/" + name, text));
        return a;
    }

    /** IMDB under {@code root} ("aclImdb/"), optionally with the unlabelled train/unsup folder of the public archive. */
    static TestArchive imdb(String root, boolean withUnsup) {
        TestArchive a = root.isEmpty() ? new TestArchive() : new TestArchive().dir(root);
        a.file(root + "README", "Large Movie Review Dataset v1.0\n")
                .file(root + "imdb.vocab", "the\nand\n")
                .file(root + "train/urls_pos.txt", "http://example.org\n")
                .file(root + "train/labeledBow.feat", "0 0:1\n");
        for (String folder : IMDB_FOLDERS) {
            a.dir(root + folder);
            for (String id : IMDB_IDS) {
                a.file(root + folder + "/" + id + ".txt", imdbReview(folder, id));
            }
        }
        if (withUnsup) {
            a.dir(root + "train/unsup");
            for (int i = 0; i < 5; i++) {
                a.file(root + "train/unsup/" + i + "_0.txt", "unlabelled " + i + "\n");
            }
        }
        return a;
    }

    /** Writes the tiny PTB files into {@code dir}, as a user might by hand. */
    static Path writePtbFiles(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, String> e : PTB.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
        return dir;
    }

    /** Writes the tiny IMDB folders into {@code dir}. */
    static Path writeImdbFiles(Path dir) throws IOException {
        for (String folder : IMDB_FOLDERS) {
            Files.createDirectories(dir.resolve(folder));
            for (String id : IMDB_IDS) {
                Files.writeString(dir.resolve(folder).resolve(id + ".txt"), imdbReview(folder, id));
            }
        }
        return dir;
    }

    /** Every path below {@code root}, relative, with '/' (for "nothing was written there" checks). */
    static List<String> tree(Path root) {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The hidden work files an import may leave in datasets/: only the lock files are allowed to stay. */
    static List<String> leftovers(Path datasetsDir) {
        return tree(datasetsDir).stream()
                .filter(p -> !p.contains("/") && p.startsWith(".") && !p.endsWith(".lock"))
                .toList();
    }
}
