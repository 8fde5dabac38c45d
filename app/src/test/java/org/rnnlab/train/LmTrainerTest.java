package org.rnnlab.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rnnlab.RunFailure;
import org.rnnlab.UserInputException;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.LmCorpus;
import org.rnnlab.data.lm.TokenWindows;
import org.rnnlab.model.FileSink;
import org.rnnlab.model.LmModelFactory;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LmTrainerTest {

    @TempDir
    Path dir;

    private static LmTrainer.Result train(LmConfig cfg, LmCorpus corpus, RunDirectory run, boolean resume, StopRequest stop) {
        return LmTrainer.train(new LmTrainer.Request(cfg, corpus, run, resume, true, stop));
    }

    private static INDArray params(Path model) {
        return ModelFile.read(model, false).network().params();
    }

    @Test
    void trainsWritesCheckpointsMetricsAndLowersPerplexity() throws Exception {
        LmConfig cfg = (LmConfig) ConfigLoader.parse("""
                task: lm
                name: learn
                model: {cell: lstm, layers: 1, hidden_size: 32, dropout: 0.0, init_scale: 0.3}
                train: {batch_size: 4, num_steps: 8, epochs: 4, learning_rate: 1.0, max_epoch: 3, lr_decay: 0.5}
                """, "learn");
        LmCorpus corpus = TinyLm.corpus(200);
        RunDirectory run = RunDirectory.create(dir.resolve("run"), cfg);
        LmTrainer.Result r = train(cfg, corpus, run, false, StopRequest.manual());
        assertEquals(4, r.epochs().size());
        assertFalse(r.interrupted());
        assertTrue(r.epochs().get(3).validPerplexity() < r.epochs().get(0).validPerplexity(), r.epochs().toString());
        int vocab = corpus.vocabulary().size();
        assertTrue(r.epochs().get(3).validPerplexity() < 0.6 * vocab,
                "a tiny grammar is learnable (untrained perplexity is about the vocabulary size " + vocab + "): " + r.epochs());
        assertEquals(1.0, r.epochs().get(2).learningRate());
        assertEquals(0.5, r.epochs().get(3).learningRate(), "decayed after max_epoch");
        assertTrue(Files.isRegularFile(run.checkpoint()));
        assertTrue(Files.isRegularFile(run.best()));
        List<String> metrics = Files.readAllLines(run.path().resolve(RunDirectory.METRICS));
        assertEquals(5, metrics.size());
        assertTrue(metrics.get(0).startsWith("epoch,"));
        assertEquals(cfg, ConfigLoader.load(run.path().resolve(RunDirectory.CONFIG), List.of()));
        ModelFile.Loaded best = ModelFile.read(run.best(), ModelKind.LM, "eval", false);
        assertEquals(corpus.vocabulary(), best.vocabulary());
    }

    @Test
    void interruptedAndResumedRunEndsWithTheSameParameters() {
        LmConfig cfg = TinyLm.config("");
        LmCorpus corpus = TinyLm.corpus();
        RunDirectory straight = RunDirectory.create(dir.resolve("straight"), cfg);
        train(cfg, corpus, straight, false, StopRequest.manual());

        RunDirectory broken = RunDirectory.create(dir.resolve("broken"), cfg);
        StopRequest stop = StopRequest.manual();
        stop.request(); // stops after the first step: mid-epoch, with carried state and dropout in play
        LmTrainer.Result first = train(cfg, corpus, broken, false, stop);
        assertTrue(first.interrupted());
        assertTrue(first.epochs().isEmpty());
        LmTrainer.Result rest = train(cfg, corpus, broken, true, StopRequest.manual());
        assertFalse(rest.interrupted());
        assertEquals(2, rest.epochs().get(rest.epochs().size() - 1).epoch());

        INDArray a = params(straight.checkpoint());
        INDArray b = params(broken.checkpoint());
        assertEquals(0.0, a.sub(b).norm2Number().doubleValue() / a.norm2Number().doubleValue(), 1e-5);
    }

    @Test
    void resumingAtAnEpochBoundaryAlsoMatches() {
        LmConfig two = TinyLm.config("");
        LmConfig one = (LmConfig) ConfigLoader.parse(ConfigLoader.toYaml(two).replace("epochs: 2", "epochs: 1"), "one");
        LmCorpus corpus = TinyLm.corpus();
        RunDirectory straight = RunDirectory.create(dir.resolve("s"), two);
        train(two, corpus, straight, false, StopRequest.manual());
        RunDirectory split = RunDirectory.create(dir.resolve("p"), one);
        train(one, corpus, split, false, StopRequest.manual());
        train(two, corpus, split, true, StopRequest.manual());
        INDArray a = params(straight.checkpoint());
        INDArray b = params(split.checkpoint());
        assertEquals(0.0, a.sub(b).norm2Number().doubleValue(), 1e-5 * a.norm2Number().doubleValue());
    }

    @Test
    void stateIsCarriedFromOneWindowToTheNext() {
        LmConfig cfg = TinyLm.config("model: {cell: lstm, layers: 1, hidden_size: 8, dropout: 0.0, init_scale: 0.5}\n");
        LmCorpus corpus = TinyLm.corpus();
        TokenWindows w = new TokenWindows(corpus.train(), 2, 4);
        // Window 5's update after window 3: carried as is, after a reset, and with window 3's final state
        // saved, cleared and set back (what a mid-epoch checkpoint does).
        INDArray[] updates = new INDArray[3];
        for (int variant = 0; variant < 3; variant++) {
            MultiLayerNetwork net = new MultiLayerNetwork(LmModelFactory.build(cfg, corpus.vocabulary().size()));
            net.init();
            TbpttStep step = new TbpttStep(net);
            step.fit(w.features(3), w.labels(3));
            if (variant == 1) {
                net.rnnClearPreviousState();
            } else if (variant == 2) {
                byte[] saved = LmTrainer.rnnState(net);
                net.rnnClearPreviousState();
                LmTrainer.restoreRnnState(net, LmTrainer.readRnnState(saved));
            }
            INDArray before = net.params().dup();
            step.fit(w.features(5), w.labels(5));
            updates[variant] = net.params().sub(before);
        }
        assertNotEquals(0.0, updates[0].sub(updates[1]).norm2Number().doubleValue(), 1e-7,
                "clearing the state changes window 5's update: window 3's final state is really used");
        assertEquals(0.0, updates[0].sub(updates[2]).norm2Number().doubleValue(), 0.0,
                "window 5 starts exactly from window 3's final state (saved and restored: the same bits)");
    }

    @Test
    void globalNormClippingBoundsTheWholeUpdate() {
        LmConfig cfg = TinyLm.config("").withName("clip");
        LmConfig clipped = (LmConfig) ConfigLoader.parse(ConfigLoader.toYaml(cfg)
                .replace("max_grad_norm: 5.0", "max_grad_norm: 0.001").replace("dropout: 0.2", "dropout: 0.0"), "c");
        LmCorpus corpus = TinyLm.corpus();
        MultiLayerNetwork net = new MultiLayerNetwork(LmModelFactory.build(clipped, corpus.vocabulary().size()));
        net.init();
        GlobalNormClipping clip = new GlobalNormClipping(0.001);
        net.setListeners(clip);
        TokenWindows w = new TokenWindows(corpus.train(), 2, 4);
        INDArray before = net.params().dup();
        new TbpttStep(net).fit(w.features(0), w.labels(0));
        double stepNorm = net.params().sub(before).norm2Number().doubleValue();
        assertTrue(clip.lastNorm() > 0.001, "the raw gradient is larger than the bound");
        assertEquals(0.001 * 1.0, stepNorm, 1e-6, "SGD step = lr x clipped gradient of global norm 0.001");
    }

    @Test
    void divergenceStopsWithEpochStepAndCheckpoint() {
        LmConfig cfg = TinyLm.config("");
        LmCorpus corpus = TinyLm.corpus();
        RunDirectory run = RunDirectory.create(dir.resolve("div"), cfg);
        StopRequest stop = StopRequest.manual();
        stop.request();
        train(cfg, corpus, run, false, stop);
        // Poison the checkpoint's weights, as an exploding run would, then continue from it.
        ModelFile.Loaded ckpt = ModelFile.read(run.checkpoint(), true);
        ckpt.network().params().assign(Double.NaN);
        java.util.Map<String, byte[]> extras = ckpt.extras();
        ModelFile.write(run.checkpoint(), ckpt.network(), ModelKind.LM, cfg, ckpt.vocabulary(), "<unk>", extras, true);
        RunFailure e = assertThrows(RunFailure.class, () -> train(cfg, corpus, run, true, StopRequest.manual()));
        assertEquals(RunFailure.DIVERGED, e.exitCode());
        assertTrue(e.getMessage().contains("diverged") && e.getMessage().contains("epoch 1, step 2"), e.getMessage());
        assertTrue(e.getMessage().contains("the last good checkpoint is " + run.checkpoint() + " (epoch 1, step 1)"),
                e.getMessage());
    }

    @Test
    void divergenceBeforeAnyCheckpointSaysSoAndNeverMarksBest() {
        // Defect 7: the message used to name checkpoint.zip as the last good one even before one existed.
        LmConfig cfg = TinyLm.config("").withName("wild");
        LmConfig wild = (LmConfig) ConfigLoader.parse(ConfigLoader.toYaml(cfg).replace("learning_rate: 1.0",
                "learning_rate: 1000000.0").replace("max_grad_norm: 5.0", "max_grad_norm: 0.0")
                .replace("checkpoint_every_minutes: 10.0", "checkpoint_every_minutes: 0.0"), "wild");
        assertEquals(1e6, wild.train().learningRate());
        RunDirectory run = RunDirectory.create(dir.resolve("wild"), wild);
        RunFailure e = assertThrows(RunFailure.class, () -> train(wild, TinyLm.corpus(), run, false, StopRequest.manual()));
        assertEquals(RunFailure.DIVERGED, e.exitCode());
        assertTrue(e.getMessage().startsWith("training diverged: "), e.getMessage());
        assertTrue(e.getMessage().contains("epoch 1"), e.getMessage());
        assertTrue(e.getMessage().contains("no checkpoint was written before it"), e.getMessage());
        assertTrue(e.getMessage().contains("lower train.learning_rate"), e.getMessage());
        assertFalse(Files.exists(run.checkpoint()));
        assertFalse(Files.exists(run.best()), "a diverged epoch is never the best");
    }

    @Test
    void goingOnAfterDivergenceWhenAskedNeverMarksTheEpochBest() throws Exception {
        LmConfig cfg = TinyLm.config("").withName("wild");
        LmConfig wild = (LmConfig) ConfigLoader.parse(ConfigLoader.toYaml(cfg).replace("learning_rate: 1.0",
                "learning_rate: 1000000.0").replace("max_grad_norm: 5.0", "max_grad_norm: 0.0")
                .replace("stop_on_divergence: true", "stop_on_divergence: false"), "wild");
        RunDirectory run = RunDirectory.create(dir.resolve("wild"), wild);
        LmTrainer.Result r = train(wild, TinyLm.corpus(), run, false, StopRequest.manual());
        assertEquals(2, r.epochs().size());
        assertEquals(0, r.bestEpoch(), r.epochs().toString());
        assertFalse(Files.exists(run.best()));
        assertTrue(Files.exists(run.checkpoint()), "the run goes on and keeps checkpointing");
    }

    @Test
    void aMidEpochResumeCarriesTheEpochsSums() throws Exception {
        // Defect 1: the resumed epoch's train perplexity covered only the resumed part.
        LmConfig cfg = TinyLm.config("");
        LmCorpus corpus = TinyLm.corpus();
        RunDirectory straight = RunDirectory.create(dir.resolve("straight"), cfg);
        train(cfg, corpus, straight, false, StopRequest.manual());
        RunDirectory broken = RunDirectory.create(dir.resolve("broken"), cfg);
        StopRequest stop = StopRequest.manual();
        stop.request();
        train(cfg, corpus, broken, false, stop);
        train(cfg, corpus, broken, true, StopRequest.manual());
        List<String> a = Files.readAllLines(straight.path().resolve(RunDirectory.METRICS));
        List<String> b = Files.readAllLines(broken.path().resolve(RunDirectory.METRICS));
        assertEquals(a.size(), b.size());
        for (int i = 1; i < a.size(); i++) {
            String[] x = a.get(i).split(",");
            String[] y = b.get(i).split(",");
            assertEquals(x[2], y[2], "train perplexity of epoch " + i + " covers the whole epoch");
            assertEquals(x[3], y[3], "valid perplexity of epoch " + i);
            assertEquals(x[6], y[6], "mean gradient norm of epoch " + i);
        }
    }

    @Test
    void aFullDiskMidEpochKeepsTheLastCheckpointAndTheResumedRunEqualsAnUninterruptedOne() throws Exception {
        LmConfig cfg = TinyLm.config("");
        LmConfig often = (LmConfig) ConfigLoader.parse(ConfigLoader.toYaml(cfg)
                .replace("checkpoint_every_minutes: 10.0", "checkpoint_every_minutes: 1.0E-9"), "tiny");
        LmCorpus corpus = TinyLm.corpus();
        RunDirectory straight = RunDirectory.create(dir.resolve("straight"), cfg);
        train(cfg, corpus, straight, false, StopRequest.manual());
        long size = Files.size(straight.checkpoint());

        RunDirectory broken = RunDirectory.create(dir.resolve("broken"), often);
        FileSink.failAfter((long) (3.5 * size)); // the fourth write (a mid-epoch checkpoint) hits a full disk
        RunFailure e;
        try {
            e = assertThrows(RunFailure.class, () -> train(often, corpus, broken, false, StopRequest.manual()));
        } finally {
            FileSink.failAfter(-1);
        }
        assertEquals(RunFailure.WRITE_FAILED, e.exitCode());
        assertTrue(e.getMessage().startsWith("cannot write " + broken.checkpoint() + ": no space left on the device"),
                e.getMessage());
        assertTrue(e.getMessage().contains("MB free"), e.getMessage());
        try (var files = Files.list(broken.path())) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().contains("tmp")).toList(),
                    "no temporary file left");
        }
        TrainingState at = Checkpoints.restore(broken, ModelKind.LM).state();
        assertEquals(1, at.epoch());
        assertEquals(3, at.stepsDone(), "the third mid-epoch checkpoint survived the failed fourth");

        train(often, corpus, broken, true, StopRequest.manual());
        INDArray a = params(straight.checkpoint());
        INDArray b = params(broken.checkpoint());
        assertEquals(a, b, "the resumed run's parameters equal the uninterrupted run's");
        List<String> ma = Files.readAllLines(straight.path().resolve(RunDirectory.METRICS));
        List<String> mb = Files.readAllLines(broken.path().resolve(RunDirectory.METRICS));
        for (int i = 1; i < ma.size(); i++) {
            assertEquals(ma.get(i).split(",")[3], mb.get(i).split(",")[3], "valid perplexity of epoch " + i);
        }
    }

    @Test
    void refusesToOverwriteAnExistingRun() {
        LmConfig cfg = TinyLm.config("");
        RunDirectory run = RunDirectory.create(dir.resolve("r"), cfg);
        train(cfg, TinyLm.corpus(), run, false, StopRequest.manual());
        UserInputException e = assertThrows(UserInputException.class, () -> RunDirectory.create(dir.resolve("r"), cfg));
        assertTrue(e.getMessage().contains("--resume"));
    }
}
