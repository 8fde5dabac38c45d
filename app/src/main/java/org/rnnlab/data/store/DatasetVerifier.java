package org.rnnlab.data.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Compares a dataset's checksums with the manifest. The same comparison serves an archive being
 * imported (checksums taken while unpacking) and a folder on disk ({@link #checksumsOf}).
 */
final class DatasetVerifier {

    private DatasetVerifier() {
    }

    /**
     * What is wrong, one short sentence per problem; empty when the copy is good.
     *
     * @param sha256ByPath every file of the copy under the manifest's files and folders, by relative path
     */
    static List<String> problems(DatasetSpec spec, Map<String, String> sha256ByPath) {
        List<String> problems = new ArrayList<>();
        spec.files().forEach((path, expected) -> {
            String actual = sha256ByPath.get(path);
            if (actual == null) {
                problems.add(path + " is missing");
            } else if (!actual.equals(expected)) {
                problems.add(path + " has SHA-256 " + actual + ", expected " + expected);
            }
        });
        if (spec.folders().isEmpty()) {
            return problems;
        }
        Map<String, String> tree = new TreeMap<>();
        spec.folders().forEach((folder, expectedCount) -> {
            String prefix = folder + "/";
            int count = 0;
            for (Map.Entry<String, String> e : sha256ByPath.entrySet()) {
                if (e.getKey().startsWith(prefix)) {
                    tree.put(e.getKey(), e.getValue());
                    count++;
                }
            }
            if (count != expectedCount) {
                problems.add(folder + " holds " + count + " files, expected " + expectedCount);
            }
        });
        String digest = TreeDigest.of(tree);
        if (!digest.equals(spec.foldersSha256())) {
            problems.add("the files under " + String.join(", ", spec.folders().keySet()) + " have tree SHA-256 "
                    + digest + ", expected " + spec.foldersSha256());
        }
        return problems;
    }

    /**
     * Reads and hashes a dataset folder: the manifest's files (those present) and every regular file
     * under its folders.
     */
    static Map<String, String> checksumsOf(Path dir, DatasetSpec spec, boolean showProgress) {
        Map<String, String> sums = new LinkedHashMap<>();
        try (Progress progress = Progress.count("verify " + spec.name(), spec.expectedFileCount(), showProgress)) {
            for (String f : spec.files().keySet()) {
                Path p = dir.resolve(f);
                if (Files.isRegularFile(p)) {
                    sums.put(f, Checksums.sha256(p));
                }
                progress.step();
            }
            for (String folder : spec.folders().keySet()) {
                Path root = dir.resolve(folder);
                if (!Files.isDirectory(root)) {
                    continue;
                }
                List<Path> found;
                try (Stream<Path> s = Files.find(root, Integer.MAX_VALUE, (p, attrs) -> attrs.isRegularFile())) {
                    found = s.toList();
                }
                for (Path p : found) {
                    sums.put(relative(dir, p), Checksums.sha256(p));
                    progress.step();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
        }
        return sums;
    }

    static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }
}
