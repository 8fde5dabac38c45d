package org.rnnlab.cli;

import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** {@code --set KEY=VALUE}, shared by the commands that read a config (a picocli mixin). */
final class ConfigOverrides {

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a config value, nested keys with dots, e.g. --set train.epochs=2 (repeatable).")
    List<String> values = new ArrayList<>();

    /** The overrides in the order given. */
    List<String> values() {
        return values;
    }
}
