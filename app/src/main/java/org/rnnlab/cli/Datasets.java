package org.rnnlab.cli;

import java.nio.file.Path;

/** Bridges commands to the dataset store: finds a managed dataset by name. */
final class Datasets {
    private Datasets() {
    }

    static Path locate(String name) {
        String home = System.getProperty("rnnlab.home", System.getenv().getOrDefault("RNNLAB_HOME", "."));
        return Path.of(home, "datasets", name);
    }
}
