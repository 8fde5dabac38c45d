package org.rnnlab.data.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The small record kept inside a dataset folder saying that its checksums matched the manifest,
 * when, and where the data came from. It lets {@code datasets list} report "verified" without
 * hashing anything; {@code datasets verify} does the full check and rewrites or removes it.
 *
 * @param dataset     the dataset name
 * @param fingerprint {@link DatasetSpec#fingerprint()} of the manifest entry it was verified against
 * @param source      the archive, address or folder the data came from
 * @param verifiedAt  when the checksums last matched (ISO-8601)
 * @param sizes       byte size of each of the manifest's individual files, to notice later edits cheaply
 */
record ImportMarker(@JsonProperty("dataset") String dataset,
                    @JsonProperty("fingerprint") String fingerprint,
                    @JsonProperty("source") String source,
                    @JsonProperty("verifiedAt") String verifiedAt,
                    @JsonProperty("sizes") Map<String, Long> sizes) {

    /** File name inside the dataset folder; hidden so that it never looks like data. */
    static final String FILE_NAME = ".rnnlab-verified.yaml";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** A marker for a folder whose checksums have just matched {@code spec}. */
    static ImportMarker create(DatasetSpec spec, Path dir, String source) throws IOException {
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (String f : spec.files().keySet()) {
            sizes.put(f, Files.size(dir.resolve(f)));
        }
        return new ImportMarker(spec.name(), spec.fingerprint(), source, Instant.now().toString(), sizes);
    }

    /** Writes to a temporary name first, so a reader never sees half a marker. */
    void writeTo(Path dir) throws IOException {
        // Not Files.createTempFile: its owner-only permissions would hide the marker from the rest of a team.
        Path tmp = dir.resolve(FILE_NAME + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                YAML.writeValue(out, this);
            }
            Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The marker of {@code dir}, or empty when there is none or it cannot be read (then it vouches for nothing). */
    static Optional<ImportMarker> readFrom(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(YAML.readValue(file.toFile(), ImportMarker.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static void deleteFrom(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(FILE_NAME));
    }
}
