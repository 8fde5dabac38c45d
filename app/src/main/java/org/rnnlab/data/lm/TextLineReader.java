package org.rnnlab.data.lm;

import org.rnnlab.UserInputException;
import org.rnnlab.config.TextEncoding;
import org.rnnlab.text.TextFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a corpus file line by line, refusing a file that is not text in the configured
 * {@code data.encoding} ({@link TextFiles}): a binary or mis-encoded corpus would otherwise train on
 * junk words without a warning.
 */
public final class TextLineReader {

    private TextLineReader() {
    }

    /** All lines of a UTF-8 file, in order. */
    public static List<String> readLines(Path file) {
        return readLines(file, TextEncoding.UTF8);
    }

    /** All lines of the file, in order, decoded as {@code encoding} (a {@link TextEncoding} value). */
    public static List<String> readLines(Path file, String encoding) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": corpus file not found");
        }
        return TextFiles.read(file, encoding, "corpus file", "data.encoding").lines().toList();
    }
}
