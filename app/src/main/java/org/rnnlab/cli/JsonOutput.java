package org.rnnlab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * {@code --json}, shared by the commands that print results (a picocli mixin), and the one way they write
 * JSON: one object per line, keys in snake_case like the config keys, whether a value is a map or a record.
 */
final class JsonOutput {

    /** Made on first use, not when picocli builds the command tree: Jackson's set-up would slow every --help. */
    private static final class Mapper {
        static final ObjectMapper INSTANCE = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .build();
    }

    @Option(names = "--json", description = "Print JSON instead of text: one object per line, snake_case keys.")
    boolean enabled;

    boolean enabled() {
        return enabled;
    }

    /** Prints {@code value} as one line of JSON. */
    static void print(PrintWriter out, Object value) {
        try {
            out.println(Mapper.INSTANCE.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Cannot write JSON output", e);
        }
    }
}
