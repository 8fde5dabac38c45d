package org.rnnlab.data.sentiment;

import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.io.labels.PathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.rnnlab.UserInputException;
import org.rnnlab.config.TextEncoding;
import org.rnnlab.text.TextFiles;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the labelled reviews of one split folder: DataVec's {@link FileSplit} lists the folder,
 * {@link TextFiles} reads each review's text (refusing one that is not text) and DataVec's
 * {@link ParentPathLabelGenerator} gives its label (the {@code pos}/{@code neg} folder name). Files elsewhere in the split (such as
 * {@code train/unsup/}) are left out, and reviews are returned in path order, so every run sees the
 * same list whatever order the file system lists them in.
 */
public final class ReviewReader {

    /** Label names by index: what the folders are called and what the models output. */
    public static final List<String> LABELS = List.of(ImdbLayout.NEG, ImdbLayout.POS);

    private ReviewReader() {
    }

    /** All reviews of {@code splitDir} (checked by {@link ImdbLayout#split}), negative and positive, read as UTF-8. */
    public static List<Review> read(Path splitDir) {
        return read(splitDir, TextEncoding.UTF8);
    }

    /**
     * All reviews of {@code splitDir}, decoded as {@code encoding} ({@link TextFiles}: a file that is not
     * text is refused naming its line and byte offset).
     */
    public static List<Review> read(Path splitDir, String encoding) {
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
        for (URI uri : labelled) {
            Path file = Path.of(uri);
            String text = TextFiles.read(file, encoding, "review file", "data.encoding");
            if (text.isBlank()) {
                throw new UserInputException(file + ": empty review file (every review needs some text;"
                        + " remove the file or fill it in)");
            }
            int label = LABELS.indexOf(labels.getLabelForPath(uri).toString());
            reviews.add(new Review(text, label, file.toString()));
        }
        return reviews;
    }
}
