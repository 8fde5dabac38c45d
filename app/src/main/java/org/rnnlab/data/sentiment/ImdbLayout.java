package org.rnnlab.data.sentiment;

import org.rnnlab.UserInputException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the reviews of an IMDB-style dataset are: a folder holding {@code train/} and {@code test/},
 * or one holding the public archive's {@code aclImdb/} folder. Each split has a {@code pos/} and a
 * {@code neg/} folder of {@code *.txt} reviews; anything else in it (the public archive's
 * {@code train/unsup/}) is not used.
 *
 * <p>Checks only read the disk: a wrong folder is reported before anything is written.
 */
public record ImdbLayout(Path root) {

    /** The label folders, in label index order (DataVec orders labels alphabetically). */
    public static final String NEG = "neg";
    public static final String POS = "pos";

    /** The dataset at {@code location} (the folder itself, or its {@code aclImdb/} folder). */
    public static ImdbLayout at(Path location) {
        if (!Files.isDirectory(location)) {
            throw new UserInputException(location + ": dataset folder not found (expected an IMDB-style folder with "
                    + "train/{pos,neg}/*.txt and test/{pos,neg}/*.txt; import one with 'rnnlab datasets import imdb ARCHIVE' or pass --data DIR)");
        }
        Path inner = location.resolve("aclImdb");
        if (!Files.isDirectory(location.resolve("train")) && !Files.isDirectory(location.resolve("test"))
                && Files.isDirectory(inner)) {
            return new ImdbLayout(inner);
        }
        return new ImdbLayout(location);
    }

    /** The folder of split {@code train} or {@code test}, checked to hold {@code pos/} and {@code neg/}. */
    public Path split(String name) {
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new UserInputException(dir + ": no such folder (an IMDB-style dataset has train/ and test/, each with pos/ and neg/)");
        }
        if (!Files.isDirectory(dir.resolve(POS)) || !Files.isDirectory(dir.resolve(NEG))) {
            throw new UserInputException(dir + ": expected the folders pos/ and neg/ of labelled reviews (*.txt) inside");
        }
        return dir;
    }
}
