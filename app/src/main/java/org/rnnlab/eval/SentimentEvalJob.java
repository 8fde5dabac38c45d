package org.rnnlab.eval;

import org.rnnlab.config.SentimentConfig;
import org.rnnlab.data.sentiment.ImdbLayout;
import org.rnnlab.data.sentiment.LabeledSequences;
import org.rnnlab.data.sentiment.SentimentDataSource;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.SentimentClassifier;
import org.rnnlab.train.EpochProgress;
import org.rnnlab.UserInputException;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * The {@code eval} command's work for a sentiment model: reads the requested split of the model's
 * dataset (or of {@code --data}), encodes it with the model's own tokenizer settings and vocabulary,
 * and measures it with {@link SentimentEvaluator}. {@code valid} is the part of the training split
 * the run held out (same seed, same fraction); {@code test} is the untouched test split.
 */
public final class SentimentEvalJob {

    /** Default reviews per network call. */
    public static final int DEFAULT_BATCH = 256;

    private SentimentEvalJob() {
    }

    /** The evaluation and what it was run on. */
    public record Result(Path model, Split split, int batchSize, SentimentEvaluator.Result figures) {
    }

    public static Result run(ModelFile.Loaded model, Path modelPath, Split split, Path dataDir, Integer batchSize,
                             Function<String, Path> datasets) {
        return run(model, modelPath, split, dataDir, batchSize, datasets, true);
    }

    /** {@link #run}, with a progress bar unless {@code quiet}. */
    public static Result run(ModelFile.Loaded model, Path modelPath, Split split, Path dataDir, Integer batchSize,
                             Function<String, Path> datasets, boolean quiet) {
        int b = batchSize != null ? batchSize : DEFAULT_BATCH;
        if (b < 1) {
            throw new UserInputException("--batch-size must be at least 1 (got " + b + ")");
        }
        SentimentConfig cfg = (SentimentConfig) model.config();
        SentimentClassifier classifier = SentimentClassifier.of(model);
        ImdbLayout layout = SentimentDataSource.locate(cfg.data(), dataDir, datasets);
        LabeledSequences data = SentimentDataSource.readSplit(cfg, split.toString(), classifier.encoder(), layout);
        try (EpochProgress progress = new EpochProgress("eval " + split, data.size(), 0, quiet)) {
            return new Result(modelPath, split, b, SentimentEvaluator.evaluate(classifier, data, b,
                    done -> progress.update(done, "reviews")));
        }
    }
}
