package org.rnnlab.data.store;

import java.nio.file.Path;

/**
 * One line of {@code datasets list}.
 *
 * @param name   the dataset
 * @param state  missing, imported or verified
 * @param dir    its folder under {@code datasets/} (which may not exist)
 * @param detail why it is in that state, or where it came from; never null
 */
public record DatasetStatus(String name, DatasetState state, Path dir, String detail) {
}
