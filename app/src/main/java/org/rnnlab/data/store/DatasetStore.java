package org.rnnlab.data.store;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The project's datasets: where they are, whether they are intact, and how they get there.
 *
 * <p>Data lives in {@code HOME/datasets/NAME/} (git-ignored), laid out as the rest of rnnlab reads it:
 * {@code ptb/ptb.{train,valid,test}.txt} and {@code imdb/{train,test}/{pos,neg}/*.txt}. It is looked for in
 * that order: a folder the user names, {@code datasets/NAME}, a mirror folder of archives
 * ({@value #MIRROR_ENV}, else {@code shared/datasets} beside the project), which is imported on first
 * use; {@code rnnlab datasets fetch} downloads from the public address. HOME is the
 * system property {@value #HOME_PROPERTY}, else the environment variable {@value #HOME_ENV}, else the
 * current folder.
 *
 * <p>An import never leaves a half-finished dataset behind: the archive is unpacked into a hidden
 * folder beside the target, verified, and only then renamed into place, replacing an earlier copy.
 */
public final class DatasetStore {

    public static final String HOME_PROPERTY = "rnnlab.home";
    public static final String HOME_ENV = "RNNLAB_HOME";
    public static final String MIRROR_ENV = "RNNLAB_DATASETS_MIRROR";

    /** How deep below a {@code --data} folder the dataset's layout is looked for (simple-examples/data is 2). */
    private static final int SEARCH_DEPTH = 3;

    private static final Logger log = LogManager.getLogger(DatasetStore.class);

    private final Path datasetsDir;
    private final Manifest manifest;
    private final Function<String, String> env;
    private final boolean showProgress;

    /**
     * @param home         the project folder; data goes to {@code home/datasets/}
     * @param manifest     the datasets known, with their checksums and addresses
     * @param env          environment lookup (tests pass a map's {@code get})
     * @param showProgress whether to draw progress bars on standard error
     */
    public DatasetStore(Path home, Manifest manifest, Function<String, String> env, boolean showProgress) {
        this.datasetsDir = home.toAbsolutePath().normalize().resolve("datasets");
        this.manifest = Objects.requireNonNull(manifest);
        this.env = Objects.requireNonNull(env);
        this.showProgress = showProgress;
    }

    /** The store of the default home, with its manifest and the real environment. */
    public static DatasetStore open(boolean showProgress) {
        Path home = defaultHome(System::getenv);
        return new DatasetStore(home, Manifest.forHome(home), System::getenv, showProgress);
    }

    /** {@value #HOME_PROPERTY}, else {@value #HOME_ENV}, else the current folder. */
    public static Path defaultHome(Function<String, String> env) {
        String prop = System.getProperty(HOME_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String fromEnv = env.apply(HOME_ENV);
        return Path.of(fromEnv != null && !fromEnv.isBlank() ? fromEnv : "");
    }

    /**
     * The mirror folder used when {@value #MIRROR_ENV} is not set: {@code shared/datasets} beside the
     * project folder, where a team keeps one copy of the archives for all its checkouts (and CI has it).
     */
    public Path defaultMirror() {
        return datasetsDir.getParent().resolveSibling("shared").resolve("datasets");
    }

    public Manifest manifest() {
        return manifest;
    }

    public Path datasetsDir() {
        return datasetsDir;
    }

    /** {@link #locate(String, Path)} without an explicit folder. */
    public Path locate(String name) {
        return locate(name, null);
    }

    /**
     * The folder holding dataset {@code name} in its layout (PTB: the three text files; IMDB: the
     * folder with {@code train/} and {@code test/}). Looks in order at {@code explicitDir} (the
     * {@code --data} flag; the layout may sit in a subfolder such as {@code aclImdb/} or
     * {@code simple-examples/data/}), {@code datasets/NAME}, and the mirror folder named by
     * {@value #MIRROR_ENV} (else {@link #defaultMirror()}), whose archive is imported into
     * {@code datasets/} on first use.
     *
     * @throws UserInputException naming what was looked at and how to get the dataset
     */
    public Path locate(String name, Path explicitDir) {
        DatasetSpec spec = manifest.dataset(name);
        DatasetLayout layout = new DatasetLayout(spec);
        if (explicitDir != null) {
            return locateExplicit(spec, layout, explicitDir);
        }
        Path own = datasetsDir.resolve(name);
        if (layout.presentIn(own)) {
            return own;
        }
        String lacking = Files.isDirectory(own) ? own + " lacks " + String.join(", ", layout.missingIn(own))
                : "not in " + own;
        String mirror = env.apply(MIRROR_ENV);
        String mirrorLabel = MIRROR_ENV + "=" + mirror;
        if (mirror == null || mirror.isBlank()) {
            Path beside = defaultMirror();
            if (!Files.isDirectory(beside)) {
                return download(spec, lacking + ", no mirror folder: " + MIRROR_ENV + " is not set and " + beside
                        + " does not exist");
            }
            mirror = beside.toString();
            mirrorLabel = "the mirror folder " + beside;
        }
        Path mirrorDir = Path.of(mirror);
        if (!Files.isDirectory(mirrorDir)) {
            throw new UserInputException(mirrorLabel + ": not a folder (expected a folder holding "
                    + String.join(" or ", spec.archives()) + ")");
        }
        Optional<Path> archive = spec.archives().stream().map(mirrorDir::resolve).filter(Files::isRegularFile).findFirst();
        if (archive.isEmpty()) {
            return download(spec, lacking + ", and " + mirrorLabel + " holds no " + String.join(" or ", spec.archives()));
        }
        try (DatasetLock lock = lockFor(name)) {
            if (!layout.presentIn(own)) { // another process may have imported it while we waited
                log.info("Importing {} from the mirror: {}", name, archive.get());
                installFromArchive(spec, archive.get(), archive.get().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return own;
    }

    /** The state of every dataset in the manifest, from a quick look (no hashing). */
    public ListResult list() {
        return new ListResult(manifest.datasets().values().stream().map(this::status).toList());
    }

    /** The state of one dataset, from a quick look: files present, marker current, sizes and counts unchanged. */
    public DatasetStatus status(String name) {
        return status(manifest.dataset(name));
    }

    /**
     * Recomputes the checksums of one imported dataset, or of every present one when {@code name}
     * is null. A good copy gets a fresh marker (so {@link #list()} says verified); a bad one loses it.
     *
     * @throws UserInputException when {@code name} is given and that dataset is missing
     */
    public VerifyReport verify(String name) {
        List<VerifyResult> results = new ArrayList<>();
        if (name != null) {
            DatasetSpec spec = manifest.dataset(name);
            DatasetStatus status = status(spec);
            if (status.state() == DatasetState.MISSING) {
                throw new UserInputException("dataset " + name + " is not imported (" + status.detail() + ")");
            }
            results.add(verify(spec));
        } else {
            for (DatasetSpec spec : manifest.datasets().values()) {
                results.add(status(spec).state() == DatasetState.MISSING
                        ? new VerifyResult(spec.name(), datasetsDir.resolve(spec.name()), VerifyResult.Outcome.MISSING,
                                0, List.of(), Duration.ZERO)
                        : verify(spec));
            }
        }
        return new VerifyReport(results);
    }

    /**
     * Verifies {@code archive} against the manifest and installs it as {@code datasets/NAME},
     * replacing an earlier copy only once the new one has verified.
     *
     * @throws UserInputException for an unknown name, an unreadable, hostile, truncated or corrupt
     *                            archive, or one that does not hold the dataset with the right checksums
     */
    public ImportResult importArchive(String name, Path archive) {
        DatasetSpec spec = manifest.dataset(name);
        long start = System.nanoTime();
        try (DatasetLock lock = lockFor(name)) {
            int files = installFromArchive(spec, archive, archive.toAbsolutePath().normalize().toString());
            return new ImportResult(name, datasetsDir.resolve(name), archive.toString(), files, since(start));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Downloads the dataset's archive from {@code url} (the manifest's address when null) into a
     * hidden file in {@code datasets/}, then imports it as {@link #importArchive} does.
     */
    public ImportResult fetch(String name, URI url) {
        DatasetSpec spec = manifest.dataset(name);
        URI from = url != null ? url : spec.url();
        log.info("Downloading {} from {}", name, from);
        return fetchQuietly(spec, from);
    }

    /** {@link #fetch} without its log line, for callers that already said what they download and why. */
    private ImportResult fetchQuietly(DatasetSpec spec, URI from) {
        String name = spec.name();
        long start = System.nanoTime();
        try (DatasetLock lock = lockFor(name)) {
            Path part = Files.createTempFile(datasetsDir, "." + name + "-download-", ".part");
            try {
                new Downloader(showProgress).download(from, part, "fetch " + name);
                int files = installFromArchive(spec, part, from.toString());
                return new ImportResult(name, datasetsDir.resolve(name), from.toString(), files, since(start));
            } finally {
                Files.deleteIfExists(part);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last place to look: the public address. A failed download names everything that was tried. */
    private Path download(DatasetSpec spec, String triedBefore) {
        log.info("Dataset {} not found ({}); downloading it from {}", spec.name(), triedBefore, spec.url());
        try {
            return fetchQuietly(spec, spec.url()).dir();
        } catch (UserInputException e) {
            throw new UserInputException("dataset " + spec.name() + " not found (" + triedBefore + ") and " + e.getMessage()
                    + "; " + spec.howToGet() + ", or set " + MIRROR_ENV + " to a folder holding one", e);
        }
    }

    private Path locateExplicit(DatasetSpec spec, DatasetLayout layout, Path dir) {
        String expected = spec.describeExpected();
        if (Files.isRegularFile(dir)) {
            throw new UserInputException("data folder " + dir + ": is a file; expected a folder holding " + expected
                    + " (to use an archive, run 'rnnlab datasets import " + spec.name() + " " + dir + "')");
        }
        if (!Files.isDirectory(dir)) {
            throw new UserInputException("data folder " + dir + ": no such folder (expected one holding " + expected + ")");
        }
        return layout.findUnder(dir, SEARCH_DEPTH).orElseThrow(() -> new UserInputException("data folder " + dir
                + ": holds no " + spec.name() + " data (expected " + expected + " in it or in a subfolder)"));
    }

    private DatasetStatus status(DatasetSpec spec) {
        Path dir = datasetsDir.resolve(spec.name());
        DatasetLayout layout = new DatasetLayout(spec);
        if (!Files.isDirectory(dir)) {
            return new DatasetStatus(spec.name(), DatasetState.MISSING, dir, spec.howToGet());
        }
        List<String> missing = layout.missingIn(dir);
        if (!missing.isEmpty()) {
            return new DatasetStatus(spec.name(), DatasetState.MISSING, dir,
                    "lacks " + String.join(", ", missing) + "; " + spec.howToGet());
        }
        Optional<ImportMarker> marker = ImportMarker.readFrom(dir);
        String reason = marker.isEmpty() ? "never verified"
                : !spec.fingerprint().equals(marker.get().fingerprint()) ? "the manifest changed since it was verified"
                : changedSince(spec, dir, marker.get());
        if (reason != null) {
            return new DatasetStatus(spec.name(), DatasetState.IMPORTED, dir,
                    reason + "; run 'rnnlab datasets verify " + spec.name() + "'");
        }
        return new DatasetStatus(spec.name(), DatasetState.VERIFIED, dir,
                "verified " + marker.get().verifiedAt() + ", from " + marker.get().source());
    }

    /** The first cheap sign that files changed after the marker was written, or null. */
    private static String changedSince(DatasetSpec spec, Path dir, ImportMarker marker) {
        try {
            for (String f : spec.files().keySet()) {
                Long size = marker.sizes() == null ? null : marker.sizes().get(f);
                if (size == null || size != Files.size(dir.resolve(f))) {
                    return f + " changed since it was verified";
                }
            }
            for (Map.Entry<String, Integer> folder : spec.folders().entrySet()) {
                long count;
                try (Stream<Path> s = Files.find(dir.resolve(folder.getKey()), Integer.MAX_VALUE,
                        (p, attrs) -> attrs.isRegularFile())) {
                    count = s.count(); // one stat per entry: about 0.1 s for IMDB's 12,500 files
                }
                if (count != folder.getValue()) {
                    return folder.getKey() + " holds " + count + " files, expected " + folder.getValue();
                }
            }
            return null;
        } catch (IOException e) {
            return "cannot read it (" + e.getMessage() + ")";
        }
    }

    private VerifyResult verify(DatasetSpec spec) {
        long start = System.nanoTime();
        Path dir = datasetsDir.resolve(spec.name());
        Map<String, String> sums = DatasetVerifier.checksumsOf(dir, spec, showProgress);
        List<String> problems = DatasetVerifier.problems(spec, sums);
        Optional<ImportMarker> old = ImportMarker.readFrom(dir);
        try {
            if (problems.isEmpty()) {
                ImportMarker.create(spec, dir, old.map(ImportMarker::source).orElse(dir.toString())).writeTo(dir);
            } else {
                ImportMarker.deleteFrom(dir);
            }
        } catch (IOException e) {
            log.warn("Cannot update the verification record in {}: {}", dir, e.getMessage());
        }
        return new VerifyResult(spec.name(), dir, problems.isEmpty() ? VerifyResult.Outcome.VERIFIED
                : VerifyResult.Outcome.FAILED, sums.size(), problems, since(start));
    }

    /** Unpacks, verifies, marks and renames into place; the caller holds the dataset's lock. */
    private int installFromArchive(DatasetSpec spec, Path archive, String source) throws IOException {
        Path work = Files.createTempDirectory(datasetsDir, "." + spec.name() + "-import-");
        try {
            Path staging = Files.createDirectory(work.resolve("staging"));
            ArchiveImporter.Staged staged = new ArchiveImporter(spec, showProgress).unpack(archive, staging);
            ImportMarker.create(spec, staged.dir(), source).writeTo(staged.dir());
            replace(datasetsDir.resolve(spec.name()), staged.dir(), work.resolve("previous"));
            return staged.fileCount();
        } finally {
            FileTrees.deleteRecursively(work);
        }
    }

    /**
     * Puts {@code fresh} at {@code target}. Directories cannot be swapped in one step, so the old copy
     * is first renamed aside; for that instant the dataset is absent, never half there.
     */
    private static void replace(Path target, Path fresh, Path aside) throws IOException {
        boolean hadOld = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        if (hadOld) {
            atomicMove(target, aside);
        }
        try {
            atomicMove(fresh, target);
        } catch (IOException e) {
            if (hadOld) {
                atomicMove(aside, target);
            }
            throw e;
        }
    }

    private static void atomicMove(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically: " + e.getMessage(), e);
        }
    }

    /** Removes what a killed import or download left behind; only safe under the dataset's lock. */
    private void deleteLeftovers(String name) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(datasetsDir,
                "." + name + "-{import,download}-*")) {
            for (Path p : s) {
                log.debug("Removing a leftover of an interrupted import: {}", p);
                FileTrees.deleteRecursively(p);
            }
        }
    }

    /** Takes the dataset's lock and clears what an interrupted import left; creates datasets/ if needed. */
    private DatasetLock lockFor(String name) throws IOException {
        Files.createDirectories(datasetsDir);
        DatasetLock lock = DatasetLock.acquire(datasetsDir, name);
        try {
            deleteLeftovers(name);
            return lock;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
