package org.rnnlab.cli;

import org.rnnlab.data.store.DatasetStore;

import java.nio.file.Path;

/** Bridges commands to the dataset store: finds a managed dataset by name (importing it from the mirror if needed). */
final class Datasets {
    private Datasets() {
    }

    static Path locate(String name) {
        return DatasetStore.open(!ConsoleLogging.isQuiet() && System.console() != null).locate(name);
    }
}
