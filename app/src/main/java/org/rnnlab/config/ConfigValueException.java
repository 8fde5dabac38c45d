package org.rnnlab.config;

/**
 * A config value that is out of range or not one of the allowed choices. Carries the dotted key so
 * the loader can name the file and the key in one line.
 */
public final class ConfigValueException extends IllegalArgumentException {
    private final String key;

    public ConfigValueException(String key, String message) {
        super(key + ": " + message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
