package org.rnnlab.data.store;

import org.apache.commons.compress.archivers.ArchiveException;
import org.apache.commons.compress.archivers.ArchiveStreamFactory;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.CompressorException;
import org.apache.commons.compress.compressors.CompressorStreamFactory;
import org.rnnlab.UserInputException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Unpacks one dataset out of a tar archive (plain or gzip/bzip2-compressed) into a staging folder
 * and checks it against the manifest.
 *
 * <p>The archive is read once, as a stream. Every entry is vetted first ({@link ArchivePaths}):
 * one hostile entry refuses the whole archive. Only entries that belong to the dataset's layout are
 * written, hashed as they are written, grouped by the prefix they sit under; afterwards the prefix
 * that holds the complete layout and matches the checksums is chosen. That is how {@code ptb/},
 * {@code simple-examples/data/} and {@code aclImdb/} are all recognised, and why IMDB's
 * {@code train/unsup/} (in no expected folder) is never written.
 */
final class ArchiveImporter {

    /** The verified dataset folder inside the staging area, ready to be renamed into place. */
    record Staged(Path dir, int fileCount) {
    }

    /** Files found under one archive prefix, written below {@code dir}. */
    private record Candidate(String prefix, Path dir, Map<String, String> sha256ByPath) {
    }

    private final DatasetSpec spec;
    private final DatasetLayout layout;
    private final boolean showProgress;

    ArchiveImporter(DatasetSpec spec, boolean showProgress) {
        this.spec = spec;
        this.layout = new DatasetLayout(spec);
        this.showProgress = showProgress;
    }

    /**
     * Unpacks {@code archive} below {@code staging} (an empty folder) and verifies it.
     *
     * @throws UserInputException for a missing, hostile, truncated or corrupt archive, one that lacks
     *                            the dataset, or one whose checksums differ from the manifest
     */
    Staged unpack(Path archive, Path staging) {
        checkReadable(archive);
        Map<String, Candidate> candidates = new LinkedHashMap<>();
        try (InputStream in = open(archive)) {
            readEntries(archive, in, staging, candidates);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + archive + " into " + staging + ": " + e.getMessage(), e);
        }
        return choose(archive, candidates);
    }

    private void readEntries(Path archive, InputStream decompressed, Path staging,
                             Map<String, Candidate> candidates) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(decompressed);
        byte[] buf = new byte[64 * 1024];
        for (TarArchiveEntry e; (e = nextEntry(archive, tar)) != null; ) {
            List<String> segments;
            try {
                segments = ArchivePaths.segments(e.getName());
                if (e.isSymbolicLink() || e.isLink()) {
                    // Never created; a link inside the archive is harmless but useless, one outside is an attack.
                    ArchivePaths.checkLinkTarget(segments, e.getLinkName(), e.isSymbolicLink());
                    continue;
                }
            } catch (ArchivePaths.UnsafePathException ex) {
                throw new UserInputException(archive + ": refusing entry '" + e.getName() + "' (" + ex.getMessage()
                        + "); nothing was imported");
            }
            if (!isRegularFile(e)) {
                continue;
            }
            Optional<DatasetLayout.Match> match = layout.match(segments);
            if (match.isEmpty()) {
                continue;
            }
            Candidate c = candidates.computeIfAbsent(match.get().prefix(),
                    p -> new Candidate(p, staging.resolve("c" + candidates.size()), new LinkedHashMap<>()));
            String rel = match.get().relativePath();
            Path target = c.dir().resolve(rel).normalize();
            if (!target.startsWith(c.dir())) {
                throw new IllegalStateException("vetted entry " + e.getName() + " resolved outside " + c.dir());
            }
            Files.createDirectories(target.getParent());
            c.sha256ByPath().put(rel, copy(archive, tar, target, buf));
        }
        drain(archive, decompressed, buf);
    }

    /** Picks the prefix holding the whole layout with matching checksums; else explains what is wrong. */
    private Staged choose(Path archive, Map<String, Candidate> candidates) {
        List<Candidate> complete = new ArrayList<>();
        for (Candidate c : candidates.values()) {
            if (Files.isDirectory(c.dir()) && layout.missingIn(c.dir()).isEmpty()) {
                complete.add(c);
            }
        }
        if (complete.isEmpty()) {
            throw new UserInputException(archive + ": holds no complete " + spec.name() + " dataset (expected "
                    + spec.describeExpected() + " under one folder" + partialHint(candidates) + ")");
        }
        complete.sort(Comparator.comparingInt((Candidate c) -> c.prefix().split("/").length)
                .thenComparing(Candidate::prefix));
        List<String> firstProblems = null;
        for (Candidate c : complete) {
            List<String> problems = DatasetVerifier.problems(spec, c.sha256ByPath());
            if (problems.isEmpty()) {
                return new Staged(c.dir(), c.sha256ByPath().size());
            }
            if (firstProblems == null) {
                firstProblems = problems;
            }
        }
        throw new UserInputException(archive + ": " + spec.name() + " does not match the manifest's checksums: "
                + firstProblems.get(0) + (firstProblems.size() > 1 ? " (and " + (firstProblems.size() - 1)
                + " more problems)" : "") + "; the archive is damaged or a different version");
    }

    private String partialHint(Map<String, Candidate> candidates) {
        return candidates.values().stream().findFirst()
                .map(c -> "; under '" + (c.prefix().isEmpty() ? "/" : c.prefix()) + "' it lacks "
                        + String.join(", ", layout.missingIn(c.dir())))
                .orElse("; found none of them");
    }

    private static void checkReadable(Path archive) {
        if (Files.isDirectory(archive)) {
            throw new UserInputException(archive + ": is a folder; expected an archive file (.tar.gz, .tgz or .tar)");
        }
        if (!Files.isRegularFile(archive)) {
            throw new UserInputException(archive + ": no such file (expected an archive file: .tar.gz, .tgz or .tar)");
        }
        if (!Files.isReadable(archive)) {
            throw new UserInputException(archive + ": not readable");
        }
    }

    /** The decompressed tar stream: compression is detected from the content, not the file name. */
    private InputStream open(Path archive) throws IOException {
        long size = Files.size(archive);
        InputStream in = new BufferedInputStream(
                Progress.trackBytes(Files.newInputStream(archive), "import " + spec.name(), size, showProgress));
        try {
            InputStream data = in;
            String compression = detectCompression(in);
            if (compression != null) {
                try {
                    data = new BufferedInputStream(
                            new CompressorStreamFactory(true).createCompressorInputStream(compression, in));
                } catch (CompressorException e) {
                    throw new UserInputException(archive + ": cannot decompress " + compression + " ("
                            + e.getMessage() + "); expected a .tar.gz, .tgz or .tar file");
                }
            }
            String format = detectArchive(archive, data);
            if (!ArchiveStreamFactory.TAR.equals(format)) {
                throw new UserInputException(archive + ": is a " + format + " archive; expected a tar archive (.tar.gz, .tgz or .tar)");
            }
            return data;
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** The compression format's name, or null when the bytes carry no known compression signature. */
    private static String detectCompression(InputStream in) {
        try {
            return CompressorStreamFactory.detect(in);
        } catch (CompressorException notCompressed) {
            return null;
        }
    }

    private static String detectArchive(Path archive, InputStream data) {
        try {
            return ArchiveStreamFactory.detect(data);
        } catch (ArchiveException e) {
            throw new UserInputException(archive + ": not a tar archive, or truncated or corrupt (" + e.getMessage() + ")");
        }
    }

    private static TarArchiveEntry nextEntry(Path archive, TarArchiveInputStream tar) {
        try {
            return tar.getNextEntry();
        } catch (IOException e) {
            throw corrupt(archive, e);
        }
    }

    /** Copies the current entry's data to {@code target} and returns its SHA-256. */
    private static String copy(Path archive, InputStream in, Path target, byte[] buf) throws IOException {
        MessageDigest digest = Checksums.newSha256();
        try (OutputStream out = Files.newOutputStream(target)) {
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    throw corrupt(archive, e);
                }
                if (n < 0) {
                    break;
                }
                digest.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        }
        return Checksums.hex(digest);
    }

    /**
     * Reads past the tar end marker to the end of the compressed stream, so that a truncated or
     * damaged gzip trailer (its CRC and length check) is noticed even when every entry read well.
     */
    private static void drain(Path archive, InputStream in, byte[] buf) {
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (IOException e) {
            throw corrupt(archive, e);
        }
    }

    private static UserInputException corrupt(Path archive, IOException e) {
        return new UserInputException(archive + ": truncated or corrupt archive (" + describe(e) + ")", e);
    }

    /**
     * The problem in words: commons-compress and java.util.zip often throw an EOFException without a
     * message at a cut-off archive, which used to print as "(null)".
     */
    static String describe(IOException e) {
        if (e instanceof java.io.EOFException) {
            return "the file ends in the middle of the data: it was cut off, for example by an interrupted download";
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return "unreadable data (" + e.getClass().getSimpleName() + ")";
        }
        return m;
    }

    private static boolean isRegularFile(TarArchiveEntry e) {
        return e.isFile() && !e.isDirectory() && !e.isSymbolicLink() && !e.isLink() && !e.isCharacterDevice()
                && !e.isBlockDevice() && !e.isFIFO();
    }
}
