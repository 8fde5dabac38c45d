package org.rnnlab.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.rnnlab.BuildInfo;
import org.rnnlab.UserInputException;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.RunConfig;
import org.rnnlab.text.Vocabulary;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * <p>Files are written to a temporary file beside the target and renamed into place, so a crash or
 * Ctrl-C never leaves a half-written model where a good one was.
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
     */
    public static void write(Path target, MultiLayerNetwork net, ModelKind kind, RunConfig config, Vocabulary vocab,
                             String unknownToken, Map<String, byte[]> extras, boolean withUpdater) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(tmp);
            ModelSerializer.writeModel(net, tmp.toFile(), withUpdater);
            BuildInfo build = BuildInfo.load();
            Meta meta = new Meta(kind.name().toLowerCase(), FORMAT_VERSION, build.version(), build.backend(), Instant.now().toString(),
                    unknownToken);
            try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + tmp.toUri()), Map.of())) {
                Files.write(zip.getPath(META), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
                Files.writeString(zip.getPath(CONFIG), ConfigLoader.toYaml(config));
                Files.writeString(zip.getPath(VOCAB), vocab.toText());
                for (Map.Entry<String, byte[]> e : extras.entrySet()) {
                    Files.write(zip.getPath(EXTRA_PREFIX + e.getKey()), e.getValue());
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write model file " + target, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: a stale temporary file never shadows the real one
            }
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
