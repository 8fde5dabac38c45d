package org.rnnlab.eval;

import org.rnnlab.UserInputException;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.LmCorpus;
import org.rnnlab.data.lm.LmCorpusSource;
import org.rnnlab.data.lm.TextFormat;
import org.rnnlab.model.ModelFile;
import org.rnnlab.train.EpochProgress;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The {@code eval} command's work for a language model: reads the requested split of the model's
 * corpus (or of {@code --data}), encodes it with the model's own vocabulary and measures perplexity.
 * Batch 1 (the default) reproduces the TensorFlow tutorial's {@code eval_config} (batch 1, one word at
 * a time) exactly, over every prediction of the split.
 */
public final class LmEvalJob {

    /** Window length for batch 1: any length gives the same figure, longer ones run faster. */
    static final int BATCH_ONE_WINDOW = 50;

    private LmEvalJob() {
    }

    /** The evaluation and what it was run on. */
    public record Result(Path model, Split split, int batchSize, int numSteps, LmEvaluator.Result figures,
                         String tokenizer) {
        /** Bits per character for a {@code chars} model (each {@code <eos>} counts as the line end it stands for), else NaN. */
        public double bitsPerCharacter() {
            return tokenizer.equals("chars") ? figures.meanCrossEntropy() / Math.log(2) : Double.NaN;
        }
    }

    public static Result run(ModelFile.Loaded model, Path modelPath, Split split, Path dataDir, Integer batchSize,
                             Integer numSteps, Function<String, Path> datasets) {
        return run(model, modelPath, split, dataDir, batchSize, numSteps, datasets, true);
    }

    /** {@link #run}, with a progress bar unless {@code quiet}. */
    public static Result run(ModelFile.Loaded model, Path modelPath, Split split, Path dataDir, Integer batchSize,
                             Integer numSteps, Function<String, Path> datasets, boolean quiet) {
        LmConfig cfg = (LmConfig) model.config();
        int b = batchSize != null ? batchSize : 1;
        int n = numSteps != null ? numSteps : (b == 1 ? BATCH_ONE_WINDOW : cfg.train().numSteps());
        if (b < 1 || n < 1) {
            throw new UserInputException("--batch-size and --num-steps must be at least 1 (got " + b + ", " + n + ")");
        }
        List<String> lines = LmCorpusSource.readSplits(cfg.data(), dataDir, datasets, cfg.seed()).split(split.toString());
        int[] stream = LmCorpus.encode(lines, model.vocabulary(), TextFormat.of(cfg.data()));
        // A progress bar on a terminal (batch 1 over PTB's test split takes most of a minute), a log line otherwise.
        try (EpochProgress progress = new EpochProgress("eval " + split, LmEvaluator.windows(stream, b, n), 0, quiet)) {
            return new Result(modelPath, split, b, n, LmEvaluator.evaluate(model.network(), stream, b, n,
                    done -> progress.update(done, "")), cfg.data().tokenizer());
        }
    }
}
