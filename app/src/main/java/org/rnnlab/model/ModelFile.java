package org.rnnlab.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.rnnlab.BuildInfo;
import org.rnnlab.RunFailure;
import org.rnnlab.UserInputException;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.RunConfig;
import org.rnnlab.text.Vocabulary;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * An rnnlab model file: DL4J's model zip (configuration, weights, optionally updater state) plus
 * rnnlab's own entries named {@code rnnlab-*}: what kind of model it is, the resolved run config, the
 * vocabulary, and any extra state (a checkpoint's training position). Everything needed to evaluate,
 * sample or predict travels in this one file.
 *
 * <p>Files are written in one pass to a temporary file beside the target and renamed into place, so a
 * crash, Ctrl-C or a full disk never leaves a half-written model where a good one was.
 */
public final class ModelFile {

    // Flat names: DL4J's loader rejects any directory entry in the zip.
    private static final String PREFIX = "rnnlab-";
    private static final String META = PREFIX + "meta.json";
    private static final String CONFIG = PREFIX + "config.yaml";
    private static final String VOCAB = PREFIX + "vocab.txt";
    private static final String EXTRA_PREFIX = PREFIX + "extra-";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** DL4J's entry holding the network configuration. */
    private static final String DL4J_CONFIGURATION = "configuration.json";
    /**
     * The version written into every new file's metadata. 2: rnnlab's layers live in {@code org.rnnlab.nn}; files of
     * version 1 name them in their old packages and are read through {@link LegacyClassNames}.
     */
    public static final int FORMAT_VERSION = 2;

    private ModelFile() {
    }

    /** Metadata stored in every model file. */
    public record Meta(String kind, int formatVersion, String rnnlabVersion, String backend, String created,
                       String unknownToken) {
    }

    /** A model read back from disk. */
    public record Loaded(MultiLayerNetwork network, ModelKind kind, RunConfig config, Vocabulary vocabulary,
                         Map<String, byte[]> extras, Meta meta) {
    }

    /**
     * Writes a model atomically. {@code extras} are stored as {@code rnnlab-extra-NAME} entries;
     * {@code withUpdater} keeps the optimizer state (checkpoints need it, exported models do not).
     *
     * <p>One pass: DL4J serialises its entries into memory, and they are copied still compressed into
     * the temporary file together with rnnlab's entries, which is then renamed over the target. The
     * disk thus needs room for one model beside the old file. A failed write removes the temporary
     * file, leaves the old file as it was and ends in a {@link RunFailure} whose one line names the
     * file, the cause (a full disk) and the space needed.
     */
    public static void write(Path target, MultiLayerNetwork net, ModelKind kind, RunConfig config, Vocabulary vocab,
                             String unknownToken, Map<String, byte[]> extras, boolean withUpdater) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        long needed = 0;
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(tmp);
            Dl4jBytes dl4j = new Dl4jBytes(estimate(net, withUpdater));
            ModelSerializer.writeModel(net, dl4j, withUpdater);
            BuildInfo build = BuildInfo.load();
            Meta meta = new Meta(kind.name().toLowerCase(), FORMAT_VERSION, build.version(), build.backend(), Instant.now().toString(),
                    unknownToken);
            Map<String, byte[]> ours = new LinkedHashMap<>();
            ours.put(META, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
            ours.put(CONFIG, ConfigLoader.toYaml(config).getBytes(StandardCharsets.UTF_8));
            ours.put(VOCAB, vocab.toText().getBytes(StandardCharsets.UTF_8));
            extras.forEach((name, bytes) -> ours.put(EXTRA_PREFIX + name, bytes));
            needed = dl4j.size() + ours.values().stream().mapToLong(b -> b.length).sum();
            try (OutputStream file = FileSink.open(tmp);
                 ZipArchiveOutputStream zip = new ZipArchiveOutputStream(new BufferedOutputStream(file, 1 << 16));
                 org.apache.commons.compress.archivers.zip.ZipFile theirs = org.apache.commons.compress.archivers.zip.ZipFile
                         .builder().setSeekableByteChannel(new SeekableInMemoryByteChannel(dl4j.bytes())).get()) {
                var entries = theirs.getEntriesInPhysicalOrder();
                while (entries.hasMoreElements()) {
                    ZipArchiveEntry e = entries.nextElement();
                    zip.addRawArchiveEntry(e, theirs.getRawInputStream(e));
                }
                for (Map.Entry<String, byte[]> e : ours.entrySet()) {
                    zip.putArchiveEntry(new ZipArchiveEntry(e.getKey()));
                    zip.write(e.getValue());
                    zip.closeArchiveEntry();
                }
                zip.finish();
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UncheckedIOException e) {
            deleteQuietly(tmp);
            throw RunFailure.cannotWrite(target, e, needed);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** An upper bound of DL4J's serialised size, so its buffer rarely grows: the parameters and updater state, raw. */
    private static int estimate(MultiLayerNetwork net, boolean withUpdater) {
        long n = net.numParams();
        if (withUpdater && net.getUpdater() != null && net.getUpdater().getStateViewArray() != null) {
            n += net.getUpdater().getStateViewArray().length();
        }
        return (int) Math.min(Integer.MAX_VALUE - 64, n * 4 + (1 << 16));
    }

    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // best effort: a stale temporary file never shadows the real one
        }
    }

    /** DL4J's zip in memory, handed on without another copy when the estimate was right. */
    private static final class Dl4jBytes extends ByteArrayOutputStream {
        Dl4jBytes(int capacity) {
            super(capacity);
        }

        byte[] bytes() {
            return count == buf.length ? buf : Arrays.copyOf(buf, count);
        }
    }

    /** Reads a model and checks it is of the expected kind; {@code command} names who asks, for the error. */
    public static Loaded read(Path file, ModelKind expected, String command, boolean withUpdater) {
        Loaded loaded = read(file, withUpdater);
        if (loaded.kind() != expected) {
            throw new UserInputException(file + ": is a " + describe(loaded.kind()) + " model; '" + command
                    + "' needs a " + describe(expected) + " model");
        }
        return loaded;
    }

    /** Reads any rnnlab model file, with clear errors for missing, foreign, corrupt or truncated files. */
    public static Loaded read(Path file, boolean withUpdater) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": model file not found");
        }
        Map<String, byte[]> ours = new HashMap<>();
        byte[] networkJson = null;
        boolean hasUpdaterState;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            // Stateless updaters (plain SGD) write no updater entry, and DL4J fails when asked to load one.
            hasUpdaterState = zip.getEntry("updaterState.bin") != null;
            var entries = zip.entries();
            while (entries.hasMoreElements()) {
                var entry = entries.nextElement();
                if (entry.getName().startsWith(PREFIX) && !entry.isDirectory()) {
                    try (var in = zip.getInputStream(entry)) {
                        ours.put(entry.getName(), in.readAllBytes());
                    }
                } else if (entry.getName().equals(DL4J_CONFIGURATION)) {
                    try (var in = zip.getInputStream(entry)) {
                        networkJson = in.readAllBytes();
                    }
                }
            }
        } catch (ZipException e) {
            throw new UserInputException(file + ": not a valid model file (corrupt or truncated zip: " + e.getMessage() + ")");
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": model file not found");
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read model file: " + e.getMessage());
        }
        if (!ours.containsKey(META)) {
            throw new UserInputException(file + ": not an rnnlab model file (no " + META + " inside)");
        }
        Meta meta;
        try {
            meta = JSON.readValue(ours.get(META), Meta.class);
        } catch (IOException e) {
            throw new UserInputException(file + ": corrupt model metadata: " + e.getMessage());
        }
        if (meta.formatVersion() < 1 || meta.formatVersion() > FORMAT_VERSION) {
            throw new UserInputException(file + ": model file format " + meta.formatVersion() + " (written by rnnlab "
                    + meta.rnnlabVersion() + "); this rnnlab reads formats 1 to " + FORMAT_VERSION
                    + (meta.formatVersion() > FORMAT_VERSION ? ": use a newer rnnlab" : ""));
        }
        ModelKind kind;
        try {
            kind = ModelKind.valueOf(meta.kind().toUpperCase());
        } catch (RuntimeException e) {
            throw new UserInputException(file + ": unknown model kind '" + meta.kind() + "'");
        }
        RunConfig config = ConfigLoader.parse(text(ours, CONFIG, file), file + "!" + CONFIG);
        Vocabulary vocab = Vocabulary.fromText(text(ours, VOCAB, file), meta.unknownToken(), file + "!" + VOCAB);
        MultiLayerNetwork net;
        try {
            String json = networkJson == null ? null : new String(networkJson, StandardCharsets.UTF_8);
            if (json != null && LegacyClassNames.present(json)) {
                net = ModelSerializer.restoreMultiLayerNetwork(
                        new ByteArrayInputStream(withEntry(file, DL4J_CONFIGURATION, LegacyClassNames.upgrade(json))),
                        withUpdater && hasUpdaterState);
            } else {
                net = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), withUpdater && hasUpdaterState);
            }
        } catch (Exception e) {
            org.apache.logging.log4j.LogManager.getLogger(ModelFile.class).debug("Cannot restore " + file, e);
            throw new UserInputException(file + ": cannot load the network from the model file: " + e, e);
        }
        Map<String, byte[]> extras = new LinkedHashMap<>();
        ours.forEach((k, v) -> {
            if (k.startsWith(EXTRA_PREFIX)) {
                extras.put(k.substring(EXTRA_PREFIX.length()), v);
            }
        });
        return new Loaded(net, kind, config, vocab, extras, meta);
    }

    /** The zip of {@code file} in memory, with entry {@code name} replaced by {@code text}. */
    private static byte[] withEntry(Path file, String name, String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipFile zip = new ZipFile(file.toFile()); ZipOutputStream out = new ZipOutputStream(bytes)) {
            var entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                out.putNextEntry(new ZipEntry(entry.getName()));
                if (entry.getName().equals(name)) {
                    out.write(text.getBytes(StandardCharsets.UTF_8));
                } else {
                    try (var in = zip.getInputStream(entry)) {
                        in.transferTo(out);
                    }
                }
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static String text(Map<String, byte[]> entries, String name, Path file) {
        byte[] b = entries.get(name);
        if (b == null) {
            throw new UserInputException(file + ": not a complete rnnlab model file (no " + name + " inside)");
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String describe(ModelKind kind) {
        return kind == ModelKind.LM ? "language" : "sentiment";
    }
}
