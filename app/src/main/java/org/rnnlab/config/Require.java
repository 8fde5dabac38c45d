package org.rnnlab.config;

import java.util.Set;

/** Range and choice checks used by the config records; each failure names the dotted key. */
final class Require {
    private Require() {
    }

    static int atLeast(String key, Integer value, int min) {
        if (value < min) {
            throw new ConfigValueException(key, "must be at least " + min + " (got " + value + ")");
        }
        return value;
    }

    static long atLeast(String key, Long value, long min) {
        if (value < min) {
            throw new ConfigValueException(key, "must be at least " + min + " (got " + value + ")");
        }
        return value;
    }

    static double positive(String key, Double value) {
        if (!(value > 0) || value.isInfinite()) {
            throw new ConfigValueException(key, "must be a positive number (got " + value + ")");
        }
        return value;
    }

    static double nonNegative(String key, Double value) {
        if (!(value >= 0) || value.isInfinite()) {
            throw new ConfigValueException(key, "must be zero or a positive number (got " + value + ")");
        }
        return value;
    }

    /** A value in the half-open interval (lo, hi]. */
    static double inRange(String key, Double value, double lo, double hi) {
        if (!(value > lo && value <= hi)) {
            throw new ConfigValueException(key, "must be greater than " + lo + " and at most " + hi + " (got " + value + ")");
        }
        return value;
    }

    /** A value in the half-open interval [lo, hi). */
    static double inRangeLowerClosed(String key, Double value, double lo, double hi) {
        if (!(value >= lo && value < hi)) {
            throw new ConfigValueException(key, "must be at least " + lo + " and less than " + hi + " (got " + value + ")");
        }
        return value;
    }

    static String oneOf(String key, String value, Set<String> allowed) {
        if (!allowed.contains(value)) {
            throw new ConfigValueException(key, "must be one of " + String.join(", ", allowed.stream().sorted().toList())
                    + " (got '" + value + "')");
        }
        return value;
    }

    static <T> T orDefault(T value, T dflt) {
        return value == null ? dflt : value;
    }
}
