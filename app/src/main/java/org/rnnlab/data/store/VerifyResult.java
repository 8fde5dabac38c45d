package org.rnnlab.data.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The full check of one dataset folder against the manifest.
 *
 * @param name     the dataset
 * @param dir      the folder checked
 * @param outcome  verified, failed, or missing (not imported, so not checked)
 * @param files    how many files were hashed
 * @param problems what is wrong, one sentence each; empty unless failed
 * @param took     how long the check took
 */
public record VerifyResult(String name, Path dir, Outcome outcome, int files, List<String> problems, Duration took) {

    /** The verdict of one check. */
    public enum Outcome { VERIFIED, FAILED, MISSING }

    public VerifyResult {
        problems = List.copyOf(problems);
    }

    public String render() {
        return switch (outcome) {
            case VERIFIED -> String.format("%s: verified, %d files match the manifest (%s, %.1f s)",
                    name, files, dir, took.toMillis() / 1000.0);
            case MISSING -> name + ": missing, not checked (" + dir + ")";
            case FAILED -> name + ": FAILED (" + dir + ")" + System.lineSeparator() + "    "
                    + String.join(System.lineSeparator() + "    ", problems);
        };
    }
}
