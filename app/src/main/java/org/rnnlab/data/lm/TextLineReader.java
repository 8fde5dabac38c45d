package org.rnnlab.data.lm;

import org.datavec.api.records.reader.impl.LineRecordReader;
import org.datavec.api.split.FileSplit;
import org.datavec.api.writable.Writable;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a text file line by line through DataVec's {@link LineRecordReader}, so corpora enter the
 * application through the same record-reader pipeline as the other datasets. Files that are not UTF-8
 * text are refused first ({@link TextValidator}).
 */
public final class TextLineReader {

    private TextLineReader() {
    }

    /** All lines of the file, in order. */
    public static List<String> readLines(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": corpus file not found");
        }
        TextValidator.check(file);
        List<String> lines = new ArrayList<>();
        try (LineRecordReader reader = new LineRecordReader()) {
            reader.initialize(new FileSplit(file.toFile()));
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
