package org.rnnlab.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Reads run configurations from YAML (snake_case keys), applies {@code --set key=value} overrides
 * and turns every mistake into one line naming the file, the key and what is expected. Also writes
 * the resolved configuration back as YAML, the form saved next to checkpoints and inside models.
 */
public final class ConfigLoader {

    private static final ObjectMapper YAML = YAMLMapper.builder(
                    YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                            .disable(YAMLGenerator.Feature.USE_NATIVE_TYPE_ID)
                            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .serializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            .build();

    private static final Logger LOG = LogManager.getLogger(ConfigLoader.class);
    /** Deprecation lines already shown: a file read twice (a resumed run's config) reports each key once. */
    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    private ConfigLoader() {
    }

    /**
     * Loads a config file and applies overrides in the form {@code key.sub=value}. A key read under its old
     * name ({@link RenamedKeys}) is reported once per process as a warning.
     */
    public static RunConfig load(Path file, List<String> overrides) {
        return load(file, overrides, line -> {
            if (REPORTED.add(line)) {
                LOG.warn("rnnlab: warning: " + line);
            }
        });
    }

    /** {@link #load(Path, List)}, telling {@code deprecations} one line per key read under its old name. */
    public static RunConfig load(Path file, List<String> overrides, Consumer<String> deprecations) {
        String source = file.toString();
        JsonNode tree;
        try {
            tree = YAML.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new UserInputException(source + ": config file not found");
        } catch (JacksonException e) {
            throw new UserInputException(source + ": not valid YAML: " + oneLine(e.getOriginalMessage())
                    + location(e));
        } catch (IOException e) {
            throw new UserInputException(source + ": cannot read config file: " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new UserInputException(source + ": expected a YAML mapping with keys such as task, model, train");
        }
        ObjectNode root = (ObjectNode) tree;
        if (!root.has("name")) {
            root.put("name", stem(file));
        }
        RenamedKeys.rewrite(root, source, deprecations);
        for (String override : overrides) {
            applyOverride(root, override, deprecations);
        }
        // An override may have set a whole section holding an old name.
        RenamedKeys.rewrite(root, "--set", deprecations);
        return convert(root, source);
    }

    /**
     * Parses a config held in a string (as stored inside model files). Keys under their old names are read as
     * the new ones and logged only at debug level: a model file's config is not the user's to edit.
     */
    public static RunConfig parse(String yaml, String source) {
        try {
            JsonNode tree = YAML.readTree(yaml);
            if (tree == null || !tree.isObject()) {
                throw new UserInputException(source + ": expected a YAML mapping");
            }
            RenamedKeys.rewrite((ObjectNode) tree, source, LOG::debug);
            return convert(tree, source);
        } catch (JacksonException e) {
            throw new UserInputException(source + ": not valid YAML: " + oneLine(e.getOriginalMessage()));
        }
    }

    /** The resolved config as YAML, with every default filled in. */
    public static String toYaml(RunConfig config) {
        try {
            return YAML.writerFor(RunConfig.class).writeValueAsString(config);
        } catch (JacksonException e) {
            throw new IllegalStateException("Cannot write config as YAML", e);
        }
    }

    private static RunConfig convert(JsonNode tree, String source) {
        try {
            return YAML.treeToValue(tree, RunConfig.class);
        } catch (InvalidTypeIdException e) {
            throw new UserInputException(source + ": task: must be one of lm, sentiment"
                    + (e.getTypeId() == null ? " (missing)" : " (got '" + e.getTypeId() + "')"));
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", "));
            throw new UserInputException(source + ": " + path(e) + ": unknown key (expected one of: " + known + ")");
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ConfigValueException cve) {
                throw new UserInputException(source + ": " + cve.getMessage());
            }
            throw new UserInputException(source + ": " + path(e) + ": " + e.getOriginalMessage());
        } catch (MismatchedInputException e) {
            String expected = e.getTargetType() == null ? "another type" : describe(e.getTargetType());
            throw new UserInputException(source + ": " + path(e) + ": wrong type, expected " + expected);
        } catch (JacksonException e) {
            throw new UserInputException(source + ": " + e.getOriginalMessage());
        }
    }

    private static void applyOverride(ObjectNode root, String override, Consumer<String> deprecations) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new UserInputException("--set " + override + ": expected key=value, for example train.epochs=2");
        }
        String key = override.substring(0, eq).trim();
        String raw = override.substring(eq + 1);
        JsonNode value;
        try {
            value = raw.isEmpty() ? JsonNodeFactory.instance.nullNode() : YAML.readTree(raw);
        } catch (JacksonException e) {
            throw new UserInputException("--set " + override + ": value is not valid YAML: " + oneLine(e.getOriginalMessage()));
        }
        RenamedKeys.Rename renamed = RenamedKeys.find(root.path("task").asText(""), key);
        if (renamed != null) {
            value = RenamedKeys.convert(renamed, value, "--set " + override);
            key = renamed.newPath();
            deprecations.accept(RenamedKeys.message("--set " + override, renamed, value));
        }
        String[] parts = key.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (child == null || child.isNull()) {
                child = node.putObject(parts[i]);
            } else if (!child.isObject()) {
                throw new UserInputException("--set " + override + ": '" + String.join(".", List.of(parts).subList(0, i + 1))
                        + "' is a value, not a section");
            }
            node = (ObjectNode) child;
        }
        node.set(parts[parts.length - 1], value == null ? JsonNodeFactory.instance.nullNode() : value);
    }

    private static String path(JsonMappingException e) {
        String p = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        return p.isEmpty() ? "(top level)" : p;
    }

    private static String describe(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a mapping (section)";
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    private static String location(JacksonException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
