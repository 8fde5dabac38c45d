package org.rnnlab.data.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Recognises a dataset's files wherever they sit: inside an archive under any prefix
 * ({@code ptb/}, {@code simple-examples/data/}, {@code aclImdb/}), or in a folder tree on disk.
 * Layouts are found from the manifest's expected paths, never from a hard-coded prefix.
 */
final class DatasetLayout {

    /**
     * Where an archive path belongs: {@code prefix} is everything before the dataset's own layout
     * ("" or "a/b/"), {@code relativePath} the path inside the dataset folder.
     */
    record Match(String prefix, String relativePath) {
    }

    private final DatasetSpec spec;
    private final List<List<String>> files;
    private final List<List<String>> folders;

    DatasetLayout(DatasetSpec spec) {
        this.spec = spec;
        this.files = spec.files().keySet().stream().map(DatasetLayout::split).toList();
        this.folders = spec.folders().keySet().stream().map(DatasetLayout::split).toList();
    }

    /**
     * The match of an archive file path: either it ends with one of the expected files, or it lies
     * under one of the expected folders (first occurrence of the folder's segments). Else empty.
     */
    Optional<Match> match(List<String> segments) {
        for (List<String> f : files) {
            int start = segments.size() - f.size();
            if (start >= 0 && segments.subList(start, segments.size()).equals(f)) {
                return Optional.of(match(segments, start));
            }
        }
        for (List<String> f : folders) {
            for (int i = 0; i + f.size() < segments.size(); i++) {
                if (segments.subList(i, i + f.size()).equals(f)) {
                    return Optional.of(match(segments, i));
                }
            }
        }
        return Optional.empty();
    }

    /** The expected files and folders that {@code dir} lacks; empty when the layout is complete. */
    List<String> missingIn(Path dir) {
        List<String> missing = new ArrayList<>();
        spec.files().keySet().forEach(f -> {
            if (!Files.isRegularFile(dir.resolve(f))) {
                missing.add(f);
            }
        });
        spec.folders().keySet().forEach(f -> {
            if (!holdsAnything(dir.resolve(f))) {
                missing.add(f);
            }
        });
        return missing;
    }

    boolean presentIn(Path dir) {
        return Files.isDirectory(dir) && missingIn(dir).isEmpty();
    }

    /**
     * The shallowest folder, {@code root} itself or at most {@code maxDepth} levels below it, that
     * holds the whole layout. Hidden folders are skipped (rnnlab's own temporary folders are hidden).
     */
    Optional<Path> findUnder(Path root, int maxDepth) {
        Deque<Path> level = new ArrayDeque<>(List.of(root));
        for (int depth = 0; depth <= maxDepth && !level.isEmpty(); depth++) {
            Deque<Path> next = new ArrayDeque<>();
            for (Path dir : level) {
                if (presentIn(dir)) {
                    return Optional.of(dir);
                }
                if (depth < maxDepth) {
                    next.addAll(subfolders(dir));
                }
            }
            level = next;
        }
        return Optional.empty();
    }

    private static Match match(List<String> segments, int start) {
        String prefix = start == 0 ? "" : String.join("/", segments.subList(0, start)) + "/";
        return new Match(prefix, String.join("/", segments.subList(start, segments.size())));
    }

    private static List<String> split(String path) {
        return Arrays.asList(path.split("/"));
    }

    private static boolean holdsAnything(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return s.iterator().hasNext();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static List<Path> subfolders(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir,
                p -> !p.getFileName().toString().startsWith(".") && Files.isDirectory(p))) {
            s.forEach(out::add);
        } catch (IOException e) {
            return List.of(); // an unreadable folder cannot hold the dataset; keep searching elsewhere
        }
        out.sort(null);
        return out;
    }
}
