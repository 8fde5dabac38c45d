package org.rnnlab.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.rnnlab.UserInputException;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.LmCorpus;
import org.rnnlab.data.lm.LmCorpusSource;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads a language-model run's corpus: the split of a single file or folder is seeded by the run's seed
 * and recorded in the run folder ({@value #SPLIT_FILE}), and a split too short for one batch window is
 * refused before training starts, naming the split and what it needs.
 */
final class LmData {

    static final String SPLIT_FILE = "data-split.json";

    private LmData() {
    }

    /** A corpus read and checked, with the split that {@link #record} writes into the run folder. */
    record Loaded(LmConfig config, LmCorpusSource.Splits splits, LmCorpus corpus) {
        LmCorpus record(RunDirectory run) {
            writeSplit(config, splits, run);
            return corpus;
        }
    }

    /** Reads and checks the corpus; nothing is written, so a bad corpus leaves no run folder behind. */
    static Loaded read(LmConfig config, Path dataDir, Function<String, Path> datasets) {
        LmCorpusSource.Splits splits = LmCorpusSource.readSplits(config.data(), dataDir, datasets, config.seed());
        LmCorpus corpus = LmCorpusSource.corpus(splits, config.data());
        LmConfig.Train t = config.train();
        requireWindow("train", corpus.train().length, t.batchSize(), t.numSteps(), "train.batch_size", splits.source());
        requireWindow("valid", corpus.valid().length, t.evalBatchSize(), t.numSteps(), "train.eval_batch_size",
                splits.source());
        return new Loaded(config, splits, corpus);
    }

    private static void writeSplit(LmConfig config, LmCorpusSource.Splits splits, RunDirectory run) {
        if (splits.layout() != null) {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("source", splits.source());
            record.put("seed", config.seed());
            record.put("ratios", config.data().split());
            record.put("blocks", splits.layout());
            try {
                run.writeAtomically(SPLIT_FILE, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(record));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void requireWindow(String split, int tokens, int batch, int steps, String batchKey, String source) {
        long needed = (long) batch * (steps + 1);
        if (tokens < needed) {
            throw new UserInputException(source + ": the " + split + " split has " + tokens + " tokens, fewer than one batch window ("
                    + batchKey + " " + batch + " x (train.num_steps " + steps + " + 1) = " + needed
                    + "); give more text or lower " + batchKey + " or train.num_steps");
        }
    }
}
