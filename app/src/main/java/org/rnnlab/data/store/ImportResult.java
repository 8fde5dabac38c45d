package org.rnnlab.data.store;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The result of {@code datasets import} and {@code datasets fetch}.
 *
 * @param name   the dataset
 * @param dir    where it now lives
 * @param source the archive or address it came from
 * @param files  how many files were unpacked and verified
 * @param took   wall time of the whole operation
 */
public record ImportResult(String name, Path dir, String source, int files, Duration took) {

    public String render() {
        return String.format("%s: imported and verified %d files into %s (from %s, %.1f s)%n",
                name, files, dir, source, took.toMillis() / 1000.0);
    }
}
