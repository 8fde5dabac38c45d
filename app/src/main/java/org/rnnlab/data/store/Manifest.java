package org.rnnlab.data.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The dataset manifest ({@code datasets/manifest.yaml}): every dataset rnnlab knows, by name.
 *
 * <p>The project's copy wins; when rnnlab runs outside a checkout, the copy built into the jar is used.
 * A test keeps the two identical.
 *
 * @param source   where the manifest was read from, for messages
 * @param datasets dataset name to its description, in manifest order
 */
public record Manifest(String source, Map<String, DatasetSpec> datasets) {

    /** The manifest's file name inside the project's {@code datasets/} folder. */
    public static final String FILE_NAME = "manifest.yaml";

    static final String BUILT_IN_RESOURCE = "/org/rnnlab/data/store/manifest.yaml";

    private static final Pattern DATASET_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    public Manifest {
        datasets = Collections.unmodifiableMap(new LinkedHashMap<>(datasets));
    }

    /** The manifest of a project home: {@code home/datasets/manifest.yaml}, else the built-in copy. */
    public static Manifest forHome(Path home) {
        Path file = home.resolve("datasets").resolve(FILE_NAME);
        return Files.isRegularFile(file) ? load(file) : builtIn();
    }

    public static Manifest load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read the dataset manifest: " + e.getMessage(), e);
        }
    }

    /** The copy bundled in the jar. */
    public static Manifest builtIn() {
        try (InputStream in = Manifest.class.getResourceAsStream(BUILT_IN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks its dataset manifest " + BUILT_IN_RESOURCE);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in " + BUILT_IN_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses manifest YAML; {@code source} names it in error messages. */
    public static Manifest parse(String yaml, String source) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);
        RawManifest raw;
        try {
            raw = mapper.readValue(yaml, RawManifest.class);
        } catch (JsonProcessingException e) {
            throw new UserInputException(source + ": " + describe(e), e);
        }
        if (raw == null || raw.datasets() == null || raw.datasets().isEmpty()) {
            throw new UserInputException(source + ": no datasets (expected a 'datasets:' map of name to dataset)");
        }
        if (raw.version() == null || raw.version() != 1) {
            throw new UserInputException(source + ": version: expected 1, found " + raw.version());
        }
        Map<String, DatasetSpec> specs = new LinkedHashMap<>();
        raw.datasets().forEach((name, d) -> specs.put(name, toSpec(source, name, d)));
        return new Manifest(source, specs);
    }

    /** The named dataset, or a one-line error listing the known names. */
    public DatasetSpec dataset(String name) {
        DatasetSpec spec = datasets.get(name);
        if (spec == null) {
            throw new UserInputException("unknown dataset '" + name + "' (known: "
                    + String.join(", ", datasets.keySet()) + "; from " + source + ")");
        }
        return spec;
    }

    private static DatasetSpec toSpec(String source, String name, RawDataset d) {
        String where = source + ": datasets." + name;
        if (!DATASET_NAME.matcher(name).matches()) {
            throw new UserInputException(where + ": a dataset name must be lower-case letters, digits, '-' or '_'");
        }
        if (d == null) {
            throw new UserInputException(where + ": empty (expected url, archives, files and/or folders)");
        }
        URI url = parseUrl(where, d.url());
        List<String> archives = d.archives() == null ? List.of() : d.archives();
        for (String a : archives) {
            if (a == null || a.isEmpty() || a.contains("/") || a.contains("\\") || a.startsWith(".")) {
                throw new UserInputException(where + ".archives: '" + a + "' is not a plain file name");
            }
        }
        Map<String, String> files = d.files() == null ? Map.of() : d.files();
        files.forEach((path, sha) -> {
            checkRelativePath(where + ".files", path);
            if (!Checksums.isSha256Hex(sha)) {
                throw new UserInputException(where + ".files." + path + ": '" + sha
                        + "' is not a SHA-256 (expected 64 lower-case hex digits)");
            }
        });
        Map<String, Integer> folders = d.folders() == null ? Map.of() : d.folders();
        folders.forEach((path, count) -> {
            checkRelativePath(where + ".folders", path);
            if (count == null || count < 1) {
                throw new UserInputException(where + ".folders." + path + ": expected a file count of at least 1, found " + count);
            }
        });
        if (files.isEmpty() && folders.isEmpty()) {
            throw new UserInputException(where + ": lists no files and no folders (expected at least one)");
        }
        if (folders.isEmpty() != (d.foldersSha256() == null)) {
            throw new UserInputException(where + ": 'folders' and 'folders-sha256' go together (one is missing)");
        }
        if (d.foldersSha256() != null && !Checksums.isSha256Hex(d.foldersSha256())) {
            throw new UserInputException(where + ".folders-sha256: '" + d.foldersSha256()
                    + "' is not a SHA-256 (expected 64 lower-case hex digits)");
        }
        return new DatasetSpec(name, d.description() == null ? name : d.description(), url, archives,
                files, folders, d.foldersSha256());
    }

    private static URI parseUrl(String where, String url) {
        if (url == null) {
            throw new UserInputException(where + ".url: missing (expected the public http or https download address)");
        }
        try {
            URI uri = new URI(url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new UserInputException(where + ".url: '" + url + "' is not an http or https address");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw new UserInputException(where + ".url: '" + url + "' is not a valid address: " + e.getReason());
        }
    }

    private static void checkRelativePath(String where, String path) {
        boolean bad = path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.contains("\\")
                || List.of(path.split("/")).stream().anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."));
        if (bad) {
            throw new UserInputException(where + ": '" + path
                    + "' is not a plain relative path (expected names joined by '/', no '.', '..' or leading '/')");
        }
    }

    private static String describe(JsonProcessingException e) {
        List<JsonMappingException.Reference> path = e instanceof JsonMappingException m ? m.getPath() : List.of();
        if (e instanceof UnrecognizedPropertyException && !path.isEmpty()) {
            path = path.subList(0, path.size() - 1); // name the map holding the unknown key, not the key itself
        }
        String at = path.isEmpty() ? "" : path.stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")) + ": ";
        if (e instanceof UnrecognizedPropertyException u) {
            return at + "unknown key '" + u.getPropertyName() + "'; expected one of "
                    + u.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return at + "wrong type: expected " + expectedType(m.getTargetType());
        }
        // A YAML syntax error may come wrapped in a mapping error; its own message and line are the useful part.
        Throwable syntax = e;
        while (syntax.getCause() instanceof JsonProcessingException inner) {
            syntax = inner;
        }
        String text = syntax instanceof JsonProcessingException j ? j.getOriginalMessage() : syntax.getMessage();
        String oneLine = text == null ? "invalid YAML" : String.join(" ", text.lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("^")).toList());
        return "invalid YAML: " + oneLine;
    }

    private static String expectedType(Class<?> type) {
        if (type == RawDataset.class || type == RawManifest.class || Map.class.isAssignableFrom(type)) {
            return "a map of keys to values";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (type == Integer.class || type == int.class) {
            return "a whole number";
        }
        return "a " + type.getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    record RawManifest(@JsonProperty("version") Integer version,
                       @JsonProperty("datasets") LinkedHashMap<String, RawDataset> datasets) {
    }

    record RawDataset(@JsonProperty("description") String description,
                      @JsonProperty("url") String url,
                      @JsonProperty("archives") List<String> archives,
                      @JsonProperty("files") LinkedHashMap<String, String> files,
                      @JsonProperty("folders") LinkedHashMap<String, Integer> folders,
                      @JsonProperty("folders-sha256") String foldersSha256) {
    }
}
