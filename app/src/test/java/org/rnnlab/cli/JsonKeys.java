package org.rnnlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Reads a command's {@code --json} output and checks that every key, at any depth, is snake_case. */
final class JsonKeys {
    private JsonKeys() {
    }

    /** Each line of {@code out} as a JSON object whose keys are all snake_case. */
    static List<JsonNode> snakeCaseObjects(String out) {
        List<JsonNode> objects = new ArrayList<>();
        for (String line : out.lines().toList()) {
            try {
                JsonNode node = new ObjectMapper().readTree(line);
                assertTrue(node.isObject(), "one JSON object per line: " + line);
                assertSnakeCase(node, line);
                objects.add(node);
            } catch (java.io.IOException e) {
                fail("not JSON: " + line, e);
            }
        }
        assertTrue(!objects.isEmpty(), "no JSON output");
        return objects;
    }

    private static void assertSnakeCase(JsonNode node, String line) {
        node.fieldNames().forEachRemaining(k -> assertTrue(k.matches("[a-z][a-z0-9]*(_[a-z0-9]+)*"),
                "key '" + k + "' is not snake_case in " + line));
        node.elements().forEachRemaining(child -> assertSnakeCase(child, line));
    }
}
