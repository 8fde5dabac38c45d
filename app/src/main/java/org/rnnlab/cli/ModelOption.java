package org.rnnlab.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --model FILE}, shared by the commands that use a trained model (a picocli mixin). */
final class ModelOption {

    @Option(names = "--model", required = true, paramLabel = "FILE",
            description = "Model file: a run's best.zip or checkpoint.zip.")
    Path file;

    Path file() {
        return file;
    }
}
