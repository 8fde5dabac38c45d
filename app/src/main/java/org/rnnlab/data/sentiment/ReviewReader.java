package org.rnnlab.data.sentiment;

import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.io.labels.PathLabelGenerator;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaDataURI;
import org.datavec.api.records.reader.impl.FileRecordReader;
import org.datavec.api.split.CollectionInputSplit;
import org.datavec.api.split.FileSplit;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the labelled reviews of one split folder through DataVec: a {@link FileSplit} over the
 * folder, a {@link FileRecordReader} for each review's text and a {@link ParentPathLabelGenerator}
 * for its label (the {@code pos}/{@code neg} folder name). Files elsewhere in the split (such as
 * {@code train/unsup/}) are left out, and reviews are returned in path order, so every run sees the
 * same list whatever order the file system lists them in.
 */
public final class ReviewReader {

    /** Label names by index: what the folders are called and what the models output. */
    public static final List<String> LABELS = List.of(ImdbLayout.NEG, ImdbLayout.POS);

    private ReviewReader() {
    }

    /** All reviews of {@code splitDir} (checked by {@link ImdbLayout#split}), negative and positive. */
    public static List<Review> read(Path splitDir) {
        Path base = splitDir.toAbsolutePath().normalize();
        // FileSplit lists recursively; keep only files directly inside pos/ and neg/.
        FileSplit all = new FileSplit(base.toFile(), new String[] {"txt"}, true);
        List<URI> labelled = new ArrayList<>();
        for (URI u : all.locations()) {
            Path parent = Path.of(u).getParent();
            if (parent.getParent().equals(base) && LABELS.contains(parent.getFileName().toString())) {
                labelled.add(u);
            }
        }
        labelled.sort(Comparator.comparing(URI::toString));
        for (String label : LABELS) {
            if (labelled.stream().noneMatch(u -> Path.of(u).getParent().getFileName().toString().equals(label))) {
                throw new UserInputException(base.resolve(label) + ": no reviews (*.txt) in this folder");
            }
        }
        PathLabelGenerator labels = new ParentPathLabelGenerator();
        List<Review> reviews = new ArrayList<>(labelled.size());
        try (FileRecordReader reader = new FileRecordReader()) {
            reader.initialize(new CollectionInputSplit(labelled));
            while (reader.hasNext()) {
                Record record = reader.nextRecord();
                URI uri = ((RecordMetaDataURI) record.getMetaData()).getURI();
                String text = record.getRecord().get(0).toString();
                if (text.isBlank()) {
                    throw new UserInputException(Path.of(uri) + ": empty review file (every review needs some text;"
                            + " remove the file or fill it in)");
                }
                int label = LABELS.indexOf(labels.getLabelForPath(uri).toString());
                reviews.add(new Review(text, label, Path.of(uri).toString()));
            }
        } catch (IOException | InterruptedException e) {
            throw new UserInputException(base + ": cannot read reviews: " + e.getMessage(), e);
        }
        return reviews;
    }
}
