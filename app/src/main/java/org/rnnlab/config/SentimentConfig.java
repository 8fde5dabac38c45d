package org.rnnlab.config;

import com.fasterxml.jackson.annotation.JsonTypeName;

import java.util.Set;

import static org.rnnlab.config.Require.*;

/**
 * Configuration of a sentiment classifier run on IMDB-style reviews: tokenizer and padding, the
 * recurrent network, and the Adam schedule with early stopping. Missing keys take the Keras IMDB
 * tutorial's values.
 */
@JsonTypeName("sentiment")
public record SentimentConfig(String name, Long seed, Data data, Model model, Train train) implements RunConfig {

    public SentimentConfig {
        name = orDefault(name, "sentiment");
        seed = orDefault(seed, 22L);
        data = orDefault(data, new Data(null, null, null, null, null, null, null, null, null));
        model = orDefault(model, new Model(null, null, null, null, null, null, null, null, null));
        train = orDefault(train, new Train(null, null, null, null, null, null, null, null, null));
        if (train.patience() > 0 && data.validFraction() == 0.0) {
            throw new ConfigValueException("train.patience",
                    "early stopping needs a validation split: set data.valid_fraction above 0 or patience to 0");
        }
    }

    @Override
    public SentimentConfig withName(String newName) {
        return new SentimentConfig(newName, seed, data, model, train);
    }

    /**
     * The reviews: {@code vocab_size} most frequent training words kept (counting the padding and
     * out-of-vocabulary entries, as Keras' {@code TextVectorization(max_tokens)}), text lower-cased
     * unless {@code lowercase} is false, reviews cut or padded to {@code max_len} tokens on the
     * {@code truncating}/{@code padding} side ({@code pre} or {@code post}, Keras' names),
     * {@code valid_fraction} of the training set held out; {@code encoding} is how review files are
     * decoded ({@link TextEncoding}).
     */
    public record Data(String dataset, String path, Integer vocabSize, Integer maxLen, String padding,
                       String truncating, Double validFraction, Boolean lowercase, String encoding) {
        public static final Set<String> SIDES = Set.of("pre", "post");

        public Data {
            encoding = TextEncoding.check("data.encoding", encoding);
            dataset = orDefault(dataset, "imdb");
            lowercase = orDefault(lowercase, true);
            vocabSize = atLeast("data.vocab_size", orDefault(vocabSize, 10000), 3);
            maxLen = atLeast("data.max_len", orDefault(maxLen, 80), 1);
            padding = oneOf("data.padding", orDefault(padding, "pre"), SIDES);
            truncating = oneOf("data.truncating", orDefault(truncating, "pre"), SIDES);
            validFraction = inRangeLowerClosed("data.valid_fraction", orDefault(validFraction, 0.1), 0.0, 0.9);
        }
    }

    /**
     * The network: embedding of {@code embedding_size}, {@code layers} recurrent layers of
     * {@code cell} with {@code hidden_size} units (wrapped in DL4J's {@code Bidirectional} when
     * {@code bidirectional}), pooling over time ({@code last}, {@code max}, {@code mean}, masked),
     * dropout, and a {@code softmax} (2 classes) or {@code sigmoid} (1 unit) output.
     *
     * <p>Both dropout keys are Keras drop rates (the fraction dropped): {@code input_dropout} is the
     * {@code dropout=} argument of a Keras recurrent layer (each recurrent layer's input, one mask per
     * review shared by all its time steps), {@code dropout} a Keras {@code Dropout} layer between the
     * pooling and the output. {@code pooling} defaults to {@code last}, or {@code max} with
     * {@code bidirectional}, where {@code last} is refused: at a review's last word the backward
     * direction has read only that word.
     */
    public record Model(String cell, Integer layers, Integer hiddenSize, Integer embeddingSize, Boolean bidirectional,
                        String pooling, Double inputDropout, Double dropout, String output) {
        public static final Set<String> CELLS = Set.of("rnn", "lstm", "gru");
        public static final Set<String> POOLINGS = Set.of("last", "max", "mean");
        public static final Set<String> OUTPUTS = Set.of("softmax", "sigmoid");

        public Model {
            cell = oneOf("model.cell", orDefault(cell, "rnn"), CELLS);
            layers = atLeast("model.layers", orDefault(layers, 2), 1);
            hiddenSize = atLeast("model.hidden_size", orDefault(hiddenSize, 64), 1);
            embeddingSize = atLeast("model.embedding_size", orDefault(embeddingSize, 100), 1);
            bidirectional = orDefault(bidirectional, false);
            // Unset, pooling follows the direction: the last step for one direction, max with two (see above).
            pooling = oneOf("model.pooling", orDefault(pooling, bidirectional ? "max" : "last"), POOLINGS);
            inputDropout = inRangeLowerClosed("model.input_dropout", orDefault(inputDropout, 0.5), 0.0, 1.0);
            dropout = inRangeLowerClosed("model.dropout", orDefault(dropout, 0.0), 0.0, 1.0);
            output = oneOf("model.output", orDefault(output, "sigmoid"), OUTPUTS);
            if (bidirectional && pooling.equals("last")) {
                throw new ConfigValueException("model.pooling", "last is not available with bidirectional: true"
                        + " (the backward direction would have read only the last word); use max or mean");
            }
        }
    }

    /**
     * Adam at {@code learning_rate} with optional {@code l2} weight decay and gradient clipping to
     * global L2 norm {@code max_grad_norm} (0 = none, the name the language model uses too); early stopping after
     * {@code patience} epochs without a better validation accuracy (0 = never stop early);
     * {@code checkpoint_every_minutes}: a resumable checkpoint inside an epoch at that interval (0 = only at epoch
     * ends); {@code stop_on_divergence}: stop when the loss is not finite or far above chance.
     */
    public record Train(Integer batchSize, Integer epochs, Double learningRate, Double l2, Double maxGradNorm,
                        Integer patience, Double timeLimitMinutes, Double checkpointEveryMinutes,
                        Boolean stopOnDivergence) {
        public Train {
            checkpointEveryMinutes = nonNegative("train.checkpoint_every_minutes", orDefault(checkpointEveryMinutes, 10.0));
            stopOnDivergence = orDefault(stopOnDivergence, true);
            batchSize = atLeast("train.batch_size", orDefault(batchSize, 128), 1);
            epochs = atLeast("train.epochs", orDefault(epochs, 4), 1);
            learningRate = positive("train.learning_rate", orDefault(learningRate, 1e-3));
            l2 = nonNegative("train.l2", orDefault(l2, 0.0));
            maxGradNorm = nonNegative("train.max_grad_norm", orDefault(maxGradNorm, 0.0));
            patience = atLeast("train.patience", orDefault(patience, 0), 0);
            timeLimitMinutes = nonNegative("train.time_limit_minutes", orDefault(timeLimitMinutes, 0.0));
        }

        /** The keys before mid-epoch checkpoints and the divergence guard, which take their defaults. */
        public Train(Integer batchSize, Integer epochs, Double learningRate, Double l2, Double maxGradNorm,
                     Integer patience, Double timeLimitMinutes) {
            this(batchSize, epochs, learningRate, l2, maxGradNorm, patience, timeLimitMinutes, null, null);
        }
    }
}
