package org.rnnlab.data.sentiment;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.rnnlab.UserInputException;
import org.rnnlab.config.SentimentConfig;
import org.rnnlab.text.ReviewEncoder;
import org.rnnlab.text.ReviewTokenizer;
import org.rnnlab.text.Vocabulary;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Finds and loads the reviews of a sentiment run: the training split (less its seeded validation
 * part) with the vocabulary built from it, for training; any split encoded with a model's own
 * vocabulary, for evaluation.
 */
public final class SentimentDataSource {

    private static final Logger LOG = LogManager.getLogger(SentimentDataSource.class);

    private SentimentDataSource() {
    }

    /** What a training run reads: the encoded training and validation reviews and the vocabulary. */
    public record TrainingData(LabeledSequences train, LabeledSequences valid, Vocabulary vocabulary, String source) {
    }

    /**
     * The dataset of {@code data}: {@code explicit} ({@code --data}) wins over {@code data.path};
     * without either, {@code managed} locates the dataset by name.
     */
    public static ImdbLayout locate(SentimentConfig.Data data, Path explicit, Function<String, Path> managed) {
        Path location = explicit != null ? explicit
                : data.path() != null ? Path.of(data.path())
                : managed.apply(data.dataset());
        return ImdbLayout.at(location);
    }

    /** Reads the training split in {@code trainDir}, holds out the validation part and builds the vocabulary. */
    public static TrainingData load(SentimentConfig cfg, Path trainDir) {
        long start = System.nanoTime();
        List<Review> reviews = ReviewReader.read(trainDir, cfg.data().encoding());
        SentimentConfig.Data d = cfg.data();
        ValidationSplit split = ValidationSplit.of(reviews.size(), d.validFraction(), cfg.seed());
        if (split.train().length == 0) {
            throw new UserInputException(trainDir + ": too few reviews (" + reviews.size()
                    + ") to hold out data.valid_fraction " + d.validFraction() + " for validation");
        }
        ReviewTokenizer tokenizer = new ReviewTokenizer(d.lowercase());
        // Only the training part counts towards the vocabulary: validation reviews stay unseen.
        Vocabulary vocab = ReviewEncoder.buildVocabulary(
                () -> Arrays.stream(split.train()).mapToObj(i -> tokenizer.tokens(reviews.get(i).text())).iterator(),
                d.vocabSize());
        ReviewEncoder encoder = new ReviewEncoder(tokenizer, vocab, d.maxLen(), d.truncating());
        LabeledSequences train = encode(reviews, split.train(), encoder);
        LabeledSequences valid = encode(reviews, split.valid(), encoder);
        LOG.info(String.format(Locale.ROOT, "Read %,d reviews from %s in %.1f s: %,d for training, %,d for validation; vocabulary %,d",
                reviews.size(), trainDir, (System.nanoTime() - start) / 1e9, train.size(), valid.size(), vocab.size()));
        return new TrainingData(train, valid, vocab, trainDir.toString());
    }

    /**
     * One split for evaluation, encoded with {@code encoder} (the model's vocabulary): {@code test},
     * or the {@code valid}/{@code train} part of the training split as the run divided it.
     */
    public static LabeledSequences readSplit(SentimentConfig cfg, String split, ReviewEncoder encoder, ImdbLayout layout) {
        return switch (split) {
            case "test" -> {
                List<Review> reviews = ReviewReader.read(layout.split("test"), cfg.data().encoding());
                yield encode(reviews, allIndices(reviews.size()), encoder);
            }
            case "valid", "train" -> {
                List<Review> reviews = ReviewReader.read(layout.split("train"), cfg.data().encoding());
                ValidationSplit parts = ValidationSplit.of(reviews.size(), cfg.data().validFraction(), cfg.seed());
                int[] chosen = parts.part(split);
                if (chosen.length == 0) {
                    throw new UserInputException("--split valid: the model was trained without a validation split"
                            + " (data.valid_fraction 0); use --split test");
                }
                yield encode(reviews, chosen, encoder);
            }
            default -> throw new UserInputException("--split: expected train, valid or test (got '" + split + "')");
        };
    }

    /** Encodes the reviews at {@code indices}. */
    static LabeledSequences encode(List<Review> reviews, int[] indices, ReviewEncoder encoder) {
        List<int[]> seqs = new ArrayList<>(indices.length);
        int[] labels = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            Review r = reviews.get(indices[k]);
            seqs.add(encoder.encode(r.text()).ids());
            labels[k] = r.label();
        }
        return new LabeledSequences(seqs, labels);
    }

    private static int[] allIndices(int n) {
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        return all;
    }
}
