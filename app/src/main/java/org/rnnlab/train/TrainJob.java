package org.rnnlab.train;

import org.rnnlab.UserInputException;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.config.RunConfig;
import org.rnnlab.config.SentimentConfig;
import org.rnnlab.data.lm.LmCorpus;
import org.rnnlab.data.sentiment.SentimentDataSource;
import org.rnnlab.monitor.MonitorOptions;
import org.rnnlab.monitor.TrainingObserver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The {@code train} command's work: resolves the config (file plus overrides, or the run folder's
 * saved config when resuming), prepares the run folder and its log, loads the data and hands over
 * to the task's trainer.
 */
public final class TrainJob {

    private TrainJob() {
    }

    /**
     * @param configFile the YAML config (required unless resuming)
     * @param overrides  {@code key=value} overrides
     * @param dataDir    {@code --data}, or null
     * @param runDir     {@code --run-dir}, or null for {@code runs/NAME-TIME}
     * @param resume     continue the run in {@code runDir}
     */
    public record Options(Path configFile, List<String> overrides, Path dataDir, Path runDir, boolean resume,
                          boolean quiet, MonitorOptions monitor) {
        /** Options with the default monitoring: step log and learning curves, no training UI. */
        public Options(Path configFile, List<String> overrides, Path dataDir, Path runDir, boolean resume,
                       boolean quiet) {
            this(configFile, overrides, dataDir, runDir, resume, quiet, MonitorOptions.DEFAULT);
        }
    }

    /** As {@link #run(Options, Function, Consumer, Consumer)}, without a listener for epoch summaries. */
    public static TrainOutcome run(Options o, Function<String, Path> datasets, Consumer<RunDirectory> onRunDir) {
        return run(o, datasets, onRunDir, line -> { });
    }

    /**
     * Runs training. {@code datasets} finds a managed dataset by name; {@code onRunDir} is called
     * once the run folder exists (the CLI attaches the run log there); {@code onEpoch} receives each epoch's
     * summary line as the epoch ends. The run folder is locked ({@link RunLock}) for as long as training runs.
     */
    public static TrainOutcome run(Options o, Function<String, Path> datasets, Consumer<RunDirectory> onRunDir,
                                   Consumer<String> onEpoch) {
        RunLock lock = null;
        try {
            RunDirectory run;
            RunConfig config;
            SentimentDataSource.TrainingData sentimentData = null;
            LmData.Loaded lmData = null;
            if (o.resume()) {
                if (o.runDir() == null) {
                    throw new UserInputException("--resume: name the run directory to continue (--resume RUN_DIR)");
                }
                if (Files.isDirectory(o.runDir())) {
                    // Before the folder's files are judged: a training still writing them is the clearer answer.
                    lock = RunLock.acquire(o.runDir());
                }
                run = RunDirectory.existing(o.runDir());
                Path saved = run.path().resolve(RunDirectory.CONFIG);
                config = ConfigLoader.load(saved, o.overrides());
                if (!o.overrides().isEmpty() && !ConfigLoader.load(saved, List.of()).model().equals(config.model())) {
                    // The checkpoint holds the network; a changed model.* value would be ignored yet recorded.
                    throw new UserInputException("--set: a resumed run keeps its network, so model.* values cannot"
                            + " change (" + saved + "); start a new run with --config to train another model");
                }
                if (o.configFile() != null) {
                    RunConfig given = ConfigLoader.load(o.configFile(), o.overrides()).withName(config.name());
                    if (!ConfigLoader.toYaml(given).equals(ConfigLoader.toYaml(config))) {
                        throw new UserInputException(o.configFile() + ": differs from the config of the run being"
                                + " resumed (" + saved + "); resume without --config, and change values with --set");
                    }
                }
                if (config instanceof SentimentConfig s) {
                    sentimentData = loadSentimentData(s, o.dataDir(), datasets);
                }
                if (config instanceof LmConfig lm) {
                    lmData = LmData.read(lm, o.dataDir(), datasets);
                }
                run.writeAtomically(RunDirectory.CONFIG, ConfigLoader.toYaml(config));
            } else {
                if (o.configFile() == null) {
                    throw new UserInputException("--config: a config file is required (for example configs/ptb-small.yaml)");
                }
                List<String> overrides = new java.util.ArrayList<>(o.overrides());
                if (o.dataDir() != null) {
                    // Recorded in the run's config so that --resume, eval and sample find the same data.
                    overrides.add("data.path=" + o.dataDir().toAbsolutePath().normalize());
                }
                config = ConfigLoader.load(o.configFile(), overrides);
                if (o.runDir() != null && Files.isDirectory(o.runDir())) {
                    // A folder another training is writing: say who holds it rather than what it holds.
                    lock = RunLock.acquire(o.runDir());
                }
                RunDirectory.checkFree(o.runDir());
                // The data is read before the run folder exists, so a wrong dataset folder, a review or a corpus
                // that is not text leaves nothing behind.
                if (config instanceof SentimentConfig s) {
                    sentimentData = loadSentimentData(s, o.dataDir(), datasets);
                }
                if (config instanceof LmConfig lm) {
                    lmData = LmData.read(lm, o.dataDir(), datasets);
                }
                Path dir = RunDirectory.pathFor(o.runDir(), config);
                if (lock == null) {
                    createDirectories(dir);
                    lock = RunLock.acquire(dir);
                }
                run = RunDirectory.create(dir, config);
            }
            onRunDir.accept(run);
            // The observer draws the learning curves once more however training ends: Ctrl-C, time limit or an error.
            try (TrainingObserver observer = o.monitor().open(run.path())) {
                String stopReason = "error";
                try {
                    TrainOutcome outcome = train(config, o, run, sentimentData, lmData, observer, onEpoch);
                    stopReason = outcome instanceof LmTrainer.Result r ? r.stopReason()
                            : ((SentimentTrainer.Result) outcome).stopReason();
                    return outcome;
                } finally {
                    observer.onStop(stopReason);
                }
            }
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private static TrainOutcome train(RunConfig config, Options o, RunDirectory run,
                                      SentimentDataSource.TrainingData sentimentData, LmData.Loaded lmData,
                                      TrainingObserver observer, Consumer<String> onEpoch) {
        if (config instanceof LmConfig lm) {
            LmCorpus corpus = lmData.record(run);
            try (StopRequest stop = StopRequest.onInterrupt()) {
                return LmTrainer.train(new LmTrainer.Request(lm, corpus, run, o.resume(), o.quiet(), stop, onEpoch,
                        observer));
            }
        }
        if (config instanceof SentimentConfig s) {
            try (StopRequest stop = StopRequest.onInterrupt()) {
                return SentimentTrainer.train(new SentimentTrainer.Request(s, sentimentData, run, o.resume(),
                        o.quiet(), stop, onEpoch, observer));
            }
        }
        throw new IllegalStateException("Unknown config type " + config.getClass());
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserInputException(dir + ": cannot create run directory: " + e.getMessage());
        }
    }

    private static SentimentDataSource.TrainingData loadSentimentData(SentimentConfig config, Path dataDir,
                                                                      Function<String, Path> datasets) {
        return SentimentDataSource.load(config, SentimentDataSource.locate(config.data(), dataDir, datasets).split("train"));
    }
}
