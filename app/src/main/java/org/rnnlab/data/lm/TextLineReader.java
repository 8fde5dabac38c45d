package org.rnnlab.data.lm;

import org.datavec.api.records.reader.impl.LineRecordReader;
import org.datavec.api.split.InputStreamInputSplit;
import org.datavec.api.writable.Writable;
import org.rnnlab.UserInputException;
import org.rnnlab.config.TextEncoding;
import org.rnnlab.text.TextFiles;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a corpus file line by line through DataVec's {@link LineRecordReader}, so corpora enter the application
 * through the same record-reader pipeline as the other datasets. The file is first decoded in the configured
 * {@code data.encoding} and refused if it is not text ({@link TextFiles}): a binary or mis-encoded corpus would
 * otherwise train on junk words without a warning. DataVec reads UTF-8, so the decoded text reaches it as such.
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
        byte[] utf8 = TextFiles.read(file, encoding, "corpus file", "data.encoding").getBytes(StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>();
        try (LineRecordReader reader = new LineRecordReader()) {
            reader.initialize(new InputStreamInputSplit(new ByteArrayInputStream(utf8)));
            while (reader.hasNext()) {
                List<Writable> record = reader.next();
                lines.add(record.isEmpty() ? "" : record.get(0).toString());
            }
        } catch (IOException | InterruptedException e) {
            throw new UserInputException(file + ": cannot read corpus file: " + e.getMessage(), e);
        }
        return lines;
    }
}
