package org.rnnlab.data.store;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the manifest says about one dataset: where to download it, which archive names a mirror
 * folder may hold, and what a good copy contains.
 *
 * <p>Contents are given two ways, either or both: {@code files}, each with its SHA-256, for
 * datasets of a few files (PTB); and {@code folders}, each with its expected file count, plus one
 * {@link TreeDigest} over every file under them, for datasets of many files (IMDB). All paths are
 * relative to the dataset's folder and use {@code /}.
 *
 * @param name          the dataset's name, also its folder name under {@code datasets/}
 * @param description   one line for humans
 * @param url           the public download address
 * @param archives      archive file names accepted in a mirror folder
 * @param files         relative path to SHA-256 hex, in manifest order
 * @param folders       relative folder path to expected number of files under it, in manifest order
 * @param foldersSha256 the {@link TreeDigest} of all files under {@code folders}; null without folders
 */
public record DatasetSpec(String name, String description, URI url, List<String> archives,
                          Map<String, String> files, Map<String, Integer> folders, String foldersSha256) {

    public DatasetSpec {
        archives = List.copyOf(archives);
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
        folders = Collections.unmodifiableMap(new LinkedHashMap<>(folders));
    }

    /** The files and folders a copy must hold, in manifest order: what error messages name. */
    public List<String> expectedPaths() {
        List<String> all = new ArrayList<>(files.keySet());
        all.addAll(folders.keySet());
        return all;
    }

    /** For messages: "ptb.train.txt, ptb.valid.txt, ptb.test.txt". */
    public String describeExpected() {
        return String.join(", ", expectedPaths());
    }

    /** How many files a good copy has under the manifest's files and folders. */
    public int expectedFileCount() {
        return files.size() + folders.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * One hash of everything that defines a good copy, so an import marker written under an older
     * manifest is recognised as stale when the manifest's checksums change.
     */
    public String fingerprint() {
        StringBuilder sb = new StringBuilder();
        files.forEach((path, sha) -> sb.append("file\t").append(path).append('\t').append(sha).append('\n'));
        folders.forEach((path, count) -> sb.append("folder\t").append(path).append('\t').append(count).append('\n'));
        if (foldersSha256 != null) {
            sb.append("tree\t").append(foldersSha256).append('\n');
        }
        return Checksums.sha256(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The one-line hint every "not found" message ends with. */
    public String howToGet() {
        return "get it with 'rnnlab datasets fetch " + name + "' or 'rnnlab datasets import " + name
                + " PATH/TO/ARCHIVE' (" + String.join(" or ", archives) + ")";
    }
}
