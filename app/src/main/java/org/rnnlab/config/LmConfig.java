package org.rnnlab.config;

import com.fasterxml.jackson.annotation.JsonTypeName;

import java.util.List;
import java.util.Set;

import static org.rnnlab.config.Require.*;

/**
 * Configuration of a word-level language model run (Zaremba et al. 2014 / the TensorFlow PTB
 * tutorial): data, network and training schedule. Missing keys take the tutorial's "small" values.
 */
@JsonTypeName("lm")
public record LmConfig(String name, Long seed, Data data, Model model, Train train) implements RunConfig {

    public LmConfig {
        name = orDefault(name, "lm");
        seed = orDefault(seed, 1234L);
        data = orDefault(data, new Data(null, null, null, null, null, null, null, null, null));
        model = orDefault(model, new Model(null, null, null, null, null, null, null, null, null, null, null, null,
                null));
        train = orDefault(train, new Train(null, null, null, null, null, null, null, null, null, null, null, null, null));
    }

    @Override
    public LmConfig withName(String newName) {
        return new LmConfig(newName, seed, data, model, train);
    }

    /**
     * Where the text comes from. {@code dataset} is a dataset of the manifest ({@code ptb}) or the
     * prefix of a user corpus ({@code NAME.train.txt}, ...); {@code path} a folder or a single text
     * file (split by {@code split} ratios); {@code vocab_size} caps the vocabulary (rarer words become
     * {@code <unk>}); {@code train_words} truncates the training text for short runs (0 = all).
     * {@code tokenizer} ({@code whitespace}, PTB's reading and the default; {@code words}; {@code chars}),
     * {@code lowercase} (not for {@code whitespace}) and {@code eos} ({@code line}, {@code paragraph},
     * {@code none}) say how text becomes tokens (see {@code org.rnnlab.data.lm.TextFormat}). A single file or a
     * folder of {@code .txt} files is split into train/valid/test by {@code split} ratios, in blocks of lines
     * shuffled with the run's seed. {@code encoding} is how the text files are decoded ({@link TextEncoding}:
     * {@code utf-8}, the default, refuses anything that is not UTF-8 text).
     */
    public record Data(String dataset, String path, Integer vocabSize, List<Double> split, Long trainWords,
                       String tokenizer, Boolean lowercase, String eos, String encoding) {
        public static final Set<String> TOKENIZERS = Set.of("whitespace", "words", "chars");
        public static final Set<String> EOS_MODES = Set.of("line", "paragraph", "none");

        /** The data section without the text-format and encoding keys (they take their defaults). */
        public Data(String dataset, String path, Integer vocabSize, List<Double> split, Long trainWords) {
            this(dataset, path, vocabSize, split, trainWords, null, null, null, null);
        }

        /** The data section without the encoding key. */
        public Data(String dataset, String path, Integer vocabSize, List<Double> split, Long trainWords,
                    String tokenizer, Boolean lowercase, String eos) {
            this(dataset, path, vocabSize, split, trainWords, tokenizer, lowercase, eos, null);
        }

        /** The data section without the text-format keys. */
        public Data(String dataset, String path, Integer vocabSize, List<Double> split, Long trainWords,
                    String encoding) {
            this(dataset, path, vocabSize, split, trainWords, null, null, null, encoding);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public Data {
            tokenizer = oneOf("data.tokenizer", orDefault(tokenizer, "whitespace"), TOKENIZERS);
            lowercase = orDefault(lowercase, false);
            eos = oneOf("data.eos", orDefault(eos, "line"), EOS_MODES);
            encoding = TextEncoding.check("data.encoding", encoding);
            dataset = orDefault(dataset, "ptb");
            vocabSize = atLeast("data.vocab_size", orDefault(vocabSize, 10000), 3);
            split = orDefault(split, List.of(0.9, 0.05, 0.05));
            if (split.size() != 3 || split.stream().anyMatch(r -> r == null || !(r > 0))
                    || Math.abs(split.stream().mapToDouble(Double::doubleValue).sum() - 1.0) > 1e-6) {
                throw new ConfigValueException("data.split",
                        "must be three positive ratios (train, valid, test) that add up to 1 (got " + split + ")");
            }
            trainWords = atLeast("data.train_words", orDefault(trainWords, 0L), 0);
        }
    }

    /**
     * The network: embedding, {@code layers} stacked recurrent layers of {@code cell} ({@code lstm} or
     * {@code gru}), softmax over the vocabulary. {@code dropout} is the fraction of activations dropped on the
     * non-recurrent connections (a drop rate as in Keras and PyTorch; the tutorial's {@code keep_prob} is
     * {@code 1 - dropout}); weights start uniform in ±{@code init_scale}. {@code impl} picks the
     * layer implementations: {@code fused} (rnnlab's LSTM and softmax-output layers, which do a few
     * large products per step) or {@code dl4j} (DL4J's own {@code LSTM} and {@code RnnOutputLayer});
     * both compute the same function. GRUs always use rnnlab's GRU layer.
     *
     * <p>{@code tie_weights} makes the softmax use the embedding matrix (transposed) as its weights, one parameter
     * (needs {@code embedding_size} = {@code hidden_size} and {@code impl: fused}). The {@code dropout_*} keys are
     * variational (locked) dropout rates, one mask per example fixed over the time steps of a window and drawn anew
     * for each window, off in evaluation: {@code dropout_input} on the embedding output, {@code dropout_hidden}
     * between recurrent layers, {@code dropout_output} before the softmax, {@code dropout_embedding} whole words (rows
     * of the embedding matrix) and {@code dropout_recurrent} DropConnect on the recurrent weights (one mask per window,
     * AWD-LSTM's weight drop). They replace {@code dropout}'s per-step dropout, so the two cannot be combined.
     */
    public record Model(String cell, Integer layers, Integer hiddenSize, Integer embeddingSize, Double dropout,
                        Double initScale, String impl, Boolean tieWeights, Double dropoutInput, Double dropoutHidden,
                        Double dropoutOutput, Double dropoutEmbedding, Double dropoutRecurrent) {
        public static final Set<String> CELLS = Set.of("lstm", "gru");
        public static final Set<String> IMPLS = Set.of("fused", "dl4j");

        public Model {
            impl = oneOf("model.impl", orDefault(impl, "fused"), IMPLS);
            cell = oneOf("model.cell", orDefault(cell, "lstm"), CELLS);
            layers = atLeast("model.layers", orDefault(layers, 2), 1);
            hiddenSize = atLeast("model.hidden_size", orDefault(hiddenSize, 200), 1);
            embeddingSize = atLeast("model.embedding_size", orDefault(embeddingSize, hiddenSize), 1);
            dropout = inRangeLowerClosed("model.dropout", orDefault(dropout, 0.0), 0.0, 1.0);
            initScale = positive("model.init_scale", orDefault(initScale, 0.1));
            tieWeights = orDefault(tieWeights, false);
            dropoutInput = dropRate("model.dropout_input", dropoutInput);
            dropoutHidden = dropRate("model.dropout_hidden", dropoutHidden);
            dropoutOutput = dropRate("model.dropout_output", dropoutOutput);
            dropoutEmbedding = dropRate("model.dropout_embedding", dropoutEmbedding);
            dropoutRecurrent = dropRate("model.dropout_recurrent", dropoutRecurrent);
            if (dropoutRecurrent > 0 && !impl.equals("fused")) {
                throw new ConfigValueException("model.dropout_recurrent", "needs model.impl: fused (got " + impl + ")");
            }
            if (tieWeights && !embeddingSize.equals(hiddenSize)) {
                throw new ConfigValueException("model.tie_weights", "needs model.embedding_size (" + embeddingSize
                        + ") equal to model.hidden_size (" + hiddenSize + "): the softmax reuses the embedding matrix");
            }
            if (tieWeights && !impl.equals("fused")) {
                throw new ConfigValueException("model.tie_weights", "needs model.impl: fused (got " + impl + ")");
            }
            // The parameters, not the accessor: a compact constructor assigns the fields only after its body.
            if (dropout > 0.0 && anyPositive(dropoutInput, dropoutHidden, dropoutOutput, dropoutEmbedding,
                    dropoutRecurrent)) {
                throw new ConfigValueException("model.dropout", "cannot be combined with the model.dropout_* keys"
                        + " (got " + dropout + "): set it to 0 or the dropout_* rates to 0");
            }
        }

        /** A model without weight tying or variational dropout. */
        public Model(String cell, Integer layers, Integer hiddenSize, Integer embeddingSize, Double dropout,
                     Double initScale, String impl) {
            this(cell, layers, hiddenSize, embeddingSize, dropout, initScale, impl, null, null, null, null, null, null);
        }

        private static double dropRate(String key, Double value) {
            double v = orDefault(value, 0.0);
            if (!(v >= 0.0 && v < 1.0)) {
                throw new ConfigValueException(key, "must be a dropout rate in [0, 1) (got " + v + ")");
            }
            return v;
        }

        private static boolean anyPositive(double... rates) {
            for (double r : rates) {
                if (r > 0) {
                    return true;
                }
            }
            return false;
        }

        /** Whether any variational dropout rate is set. */
        public boolean usesLockedDropout() {
            return anyPositive(dropoutInput, dropoutHidden, dropoutOutput, dropoutEmbedding, dropoutRecurrent);
        }

        /**
         * The probability of keeping an activation, {@code 1 - dropout}, computed on the decimal values so that a
         * config written with the old {@code keep_prob} gives back exactly that keep probability (DL4J's dropout
         * takes it).
         */
        public double keepProbability() {
            return Probabilities.complement(dropout);
        }
    }

    /**
     * The schedule: plain SGD at {@code learning_rate}, kept for {@code max_epoch} epochs and then
     * multiplied by {@code lr_decay} each epoch; gradients clipped to global L2 norm
     * {@code max_grad_norm} (0 = no clipping); truncated BPTT over {@code num_steps} with the state
     * carried between windows. {@code eval_batch_size} is used for validation after each epoch;
     * {@code time_limit_minutes} stops training at the next window after that time (0 = no limit);
     * {@code log_every} logs the training perplexity every that many steps (0 = only per epoch). The
     * thread count is not a config key: the launcher sets it from {@code OMP_NUM_THREADS}.
     * {@code optimizer} is {@code sgd} (the PTB papers') or {@code adam} (what char-rnn-style models train with).
     * {@code checkpoint_every_minutes} writes a resumable checkpoint inside an epoch at that interval
     * (0 = only at epoch ends); {@code stop_on_divergence} stops a run whose loss is no longer finite or
     * whose validation perplexity exceeds twice the vocabulary size.
     */
    public record Train(Integer batchSize, Integer numSteps, Integer epochs, Double learningRate, Integer maxEpoch,
                        Double lrDecay, Double maxGradNorm, Integer evalBatchSize, Double timeLimitMinutes,
                        Integer logEvery, String optimizer, Double checkpointEveryMinutes, Boolean stopOnDivergence) {
        public static final Set<String> OPTIMIZERS = Set.of("sgd", "adam");

        /** The schedule without {@code optimizer} (plain SGD), checkpoint interval and divergence guard (defaults). */
        public Train(Integer batchSize, Integer numSteps, Integer epochs, Double learningRate, Integer maxEpoch,
                     Double lrDecay, Double maxGradNorm, Integer evalBatchSize, Double timeLimitMinutes,
                     Integer logEvery) {
            this(batchSize, numSteps, epochs, learningRate, maxEpoch, lrDecay, maxGradNorm, evalBatchSize,
                    timeLimitMinutes, logEvery, null, null, null);
        }

        /** The schedule with {@code optimizer}; checkpoint interval and divergence guard take their defaults. */
        public Train(Integer batchSize, Integer numSteps, Integer epochs, Double learningRate, Integer maxEpoch,
                     Double lrDecay, Double maxGradNorm, Integer evalBatchSize, Double timeLimitMinutes,
                     Integer logEvery, String optimizer) {
            this(batchSize, numSteps, epochs, learningRate, maxEpoch, lrDecay, maxGradNorm, evalBatchSize,
                    timeLimitMinutes, logEvery, optimizer, null, null);
        }

        /** The schedule with checkpoint interval and divergence guard; plain SGD. */
        public Train(Integer batchSize, Integer numSteps, Integer epochs, Double learningRate, Integer maxEpoch,
                     Double lrDecay, Double maxGradNorm, Integer evalBatchSize, Double timeLimitMinutes,
                     Integer logEvery, Double checkpointEveryMinutes, Boolean stopOnDivergence) {
            this(batchSize, numSteps, epochs, learningRate, maxEpoch, lrDecay, maxGradNorm, evalBatchSize,
                    timeLimitMinutes, logEvery, null, checkpointEveryMinutes, stopOnDivergence);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public Train {
            optimizer = oneOf("train.optimizer", orDefault(optimizer, "sgd"), OPTIMIZERS);
            checkpointEveryMinutes = nonNegative("train.checkpoint_every_minutes", orDefault(checkpointEveryMinutes, 10.0));
            stopOnDivergence = orDefault(stopOnDivergence, true);
            batchSize = atLeast("train.batch_size", orDefault(batchSize, 20), 1);
            numSteps = atLeast("train.num_steps", orDefault(numSteps, 20), 1);
            epochs = atLeast("train.epochs", orDefault(epochs, 13), 1);
            learningRate = positive("train.learning_rate", orDefault(learningRate, 1.0));
            maxEpoch = atLeast("train.max_epoch", orDefault(maxEpoch, 4), 1);
            lrDecay = inRange("train.lr_decay", orDefault(lrDecay, 0.5), 0.0, 1.0);
            maxGradNorm = nonNegative("train.max_grad_norm", orDefault(maxGradNorm, 5.0));
            evalBatchSize = atLeast("train.eval_batch_size", orDefault(evalBatchSize, batchSize), 1);
            timeLimitMinutes = nonNegative("train.time_limit_minutes", orDefault(timeLimitMinutes, 0.0));
            logEvery = atLeast("train.log_every", orDefault(logEvery, 0), 0);
        }

        /** Learning rate for a 1-based epoch: constant for {@code max_epoch} epochs, then decayed. */
        public double learningRateForEpoch(int epoch) {
            return learningRate * Math.pow(lrDecay, Math.max(epoch - maxEpoch, 0));
        }
    }
}
