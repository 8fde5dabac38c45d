package org.rnnlab.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --data}, shared by the commands that read a dataset (a picocli mixin). */
final class DataOption {

    @Option(names = "--data", paramLabel = "DIR", description = "Dataset folder or file, instead of the managed datasets.")
    Path path;

    /** The folder or file given, or null for the managed datasets. */
    Path path() {
        return path;
    }
}
