package org.rnnlab.config;

import java.util.Set;

/**
 * The values of {@code data.encoding}: how corpus and review files are decoded. {@code utf-8} (the
 * default) refuses a file that is not UTF-8 text; {@code latin-1} reads every byte as one ISO-8859-1
 * character; {@code replace} reads UTF-8 and turns invalid bytes into U+FFFD.
 */
public final class TextEncoding {

    public static final String UTF8 = "utf-8";
    public static final String LATIN1 = "latin-1";
    public static final String REPLACE = "replace";
    public static final Set<String> VALUES = Set.of(UTF8, LATIN1, REPLACE);

    private TextEncoding() {
    }

    static String check(String key, String value) {
        return Require.oneOf(key, Require.orDefault(value, UTF8), VALUES);
    }
}
