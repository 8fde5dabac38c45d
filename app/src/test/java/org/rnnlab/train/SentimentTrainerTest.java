package org.rnnlab.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.SentimentConfig;
import org.rnnlab.data.sentiment.ImdbFixture;
import org.rnnlab.data.sentiment.ImdbLayout;
import org.rnnlab.data.sentiment.LabeledSequences;
import org.rnnlab.data.sentiment.SentimentDataSource;
import org.rnnlab.eval.Predictor;
import org.rnnlab.eval.SentimentEvaluator;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;
import org.rnnlab.model.SentimentClassifier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SentimentTrainerTest {

    @TempDir
    Path dir;

    private static SentimentConfig config(String extra) {
        return (SentimentConfig) ConfigLoader.parse("""
                task: sentiment
                name: tiny
                seed: 3
                data: {vocab_size: 40, max_len: 12, valid_fraction: 0.2}
                model: {cell: rnn, layers: 1, hidden_size: 8, embedding_size: 8, input_dropout: 0.0, dropout: 0.0}
                train: {batch_size: 8, epochs: 6, learning_rate: 0.02}
                """ + extra, "tiny");
    }

    private SentimentDataSource.TrainingData data(SentimentConfig cfg) {
        Path root = dir.resolve("imdb");
        if (!Files.isDirectory(root)) {
            ImdbFixture.write(root, 40, 11);
        }
        return SentimentDataSource.load(cfg, root.resolve("train"));
    }

    private SentimentTrainer.Result train(SentimentConfig cfg, RunDirectory run, boolean resume, StopRequest stop) {
        return SentimentTrainer.train(new SentimentTrainer.Request(cfg, data(cfg), run, resume, true, stop));
    }

    private static INDArray params(Path model) {
        return ModelFile.read(model, false).network().params();
    }

    @Test
    void epochLineSaysWhenThereIsNoValidationSplit() {
        assertEquals("no validation split",
                new SentimentTrainer.EpochMetrics(1, 0.6, Double.NaN, Double.NaN, 200, 10).describeValidation());
        assertEquals("valid loss 0.4172, accuracy 81.60%",
                new SentimentTrainer.EpochMetrics(2, 0.5, 0.41721, 0.816, 200, 10).describeValidation());
    }

    @Test
    void learnsAFixtureAndKeepsCheckpointsMetricsAndTheBestModel() throws Exception {
        for (String variant : List.of("", "model: {cell: lstm, layers: 1, hidden_size: 8, embedding_size: 8,"
                + " bidirectional: true, pooling: max, output: softmax, input_dropout: 0.0, dropout: 0.2}\n")) {
            SentimentConfig cfg = config(variant);
            RunDirectory run = RunDirectory.create(dir.resolve("run" + variant.length()), cfg);
            SentimentTrainer.Result r = train(cfg, run, false, StopRequest.manual());
            assertEquals(6, r.epochs().size());
            assertFalse(r.interrupted());
            assertNull(r.stopReason());
            assertTrue(r.bestValidAccuracy() >= 0.9, "a good/bad word decides the label: " + r.epochs());
            assertTrue(r.epochs().get(5).trainLoss() < r.epochs().get(0).trainLoss(), r.epochs().toString());
            List<String> metrics = Files.readAllLines(run.path().resolve(RunDirectory.METRICS));
            assertEquals(7, metrics.size());
            assertEquals(SentimentTrainer.METRICS_HEADER, metrics.get(0));

            ModelFile.Loaded best = ModelFile.read(run.best(), ModelKind.SENTIMENT, "eval", false);
            assertEquals(data(cfg).vocabulary(), best.vocabulary(), "the vocabulary travels in the model file");
            assertEquals(cfg, best.config(), "and so do the tokenizer and padding settings");
            SentimentClassifier classifier = SentimentClassifier.of(best);
            LabeledSequences test = SentimentDataSource.readSplit(cfg, "test", classifier.encoder(),
                    ImdbLayout.at(dir.resolve("imdb")));
            SentimentEvaluator.Result eval = SentimentEvaluator.evaluate(classifier, test, 16);
            assertEquals(40, eval.reviews());
            assertTrue(eval.accuracy() >= 0.85 && eval.auc() >= 0.9, eval.toString());
            assertEquals(eval.reviews(), eval.confusion()[0][0] + eval.confusion()[0][1] + eval.confusion()[1][0]
                    + eval.confusion()[1][1]);
            List<Predictor.Prediction> p = new Predictor(classifier, 2).predict(List.of(
                    "What a wonderful, excellent film!", "Boring and awful.", "A great movie", "A terrible plot"));
            assertEquals(List.of("pos", "neg", "pos", "neg"), p.stream().map(Predictor.Prediction::label).toList(), p.toString());
        }
    }

    @Test
    void resumingAtAnEpochBoundaryOrMidEpochEndsWithTheSameParameters() {
        SentimentConfig two = config("train: {batch_size: 8, epochs: 2, learning_rate: 0.02}\n"
                + "model: {cell: lstm, layers: 1, hidden_size: 4, embedding_size: 4, input_dropout: 0.3, dropout: 0.3}\n");
        SentimentConfig one = (SentimentConfig) ConfigLoader.parse(ConfigLoader.toYaml(two).replace("epochs: 2", "epochs: 1"), "one");
        RunDirectory straight = RunDirectory.create(dir.resolve("straight"), two);
        SentimentTrainer.Result whole = train(two, straight, false, StopRequest.manual());

        RunDirectory boundary = RunDirectory.create(dir.resolve("boundary"), one);
        train(one, boundary, false, StopRequest.manual());
        train(two, boundary, true, StopRequest.manual());

        RunDirectory broken = RunDirectory.create(dir.resolve("broken"), two);
        StopRequest stop = StopRequest.manual();
        stop.request(); // stops after the first step, mid-epoch, with dropout in play
        SentimentTrainer.Result first = train(two, broken, false, stop);
        assertTrue(first.interrupted());
        assertTrue(first.epochs().isEmpty());
        SentimentTrainer.Result rest = train(two, broken, true, StopRequest.manual());
        assertFalse(rest.interrupted());
        assertEquals(2, rest.epochs().get(rest.epochs().size() - 1).epoch());
        assertEquals(whole.epochs().get(0).trainLoss(), rest.epochs().get(0).trainLoss(), 1e-6,
                "the interrupted epoch's loss covers the steps before the interruption too");
        assertEquals(whole.epochs().get(1).validAccuracy(), rest.epochs().get(1).validAccuracy(), 1e-9);

        INDArray a = params(straight.checkpoint());
        for (RunDirectory other : List.of(boundary, broken)) {
            INDArray b = params(other.checkpoint());
            assertEquals(0.0, a.sub(b).norm2Number().doubleValue(), 1e-5 * a.norm2Number().doubleValue(), other.path().toString());
        }
    }

    @Test
    void stopsEarlyWhenValidationStopsImproving() {
        // A learning rate this small leaves validation accuracy where it starts, so patience 1 ends the run.
        SentimentConfig cfg = config("train: {batch_size: 8, epochs: 6, learning_rate: 1.0e-9, patience: 1}\n");
        RunDirectory run = RunDirectory.create(dir.resolve("early"), cfg);
        SentimentTrainer.Result r = train(cfg, run, false, StopRequest.manual());
        assertEquals(2, r.epochs().size(), r.epochs().toString());
        assertEquals(1, r.bestEpoch());
        assertFalse(r.interrupted());
        assertTrue(r.stopReason().startsWith("early stopping"), r.stopReason());
        SentimentTrainer.Result again = train(cfg, run, true, StopRequest.manual());
        assertTrue(again.epochs().isEmpty(), "resuming a run that stopped early trains no further");
        assertTrue(again.stopReason().startsWith("early stopping"));
    }

    @Test
    void aLossFarAboveChanceStopsTrainingAndIsNeverBest() {
        SentimentConfig wild = config("").withName("wild");
        wild = (SentimentConfig) ConfigLoader.parse(ConfigLoader.toYaml(wild).replace("learning_rate: 0.02",
                "learning_rate: 1000.0"), "wild");
        assertEquals(1000.0, wild.train().learningRate());
        RunDirectory run = RunDirectory.create(dir.resolve("wild"), wild);
        SentimentConfig cfg = wild;
        org.rnnlab.RunFailure e = assertThrows(org.rnnlab.RunFailure.class,
                () -> train(cfg, run, false, StopRequest.manual()));
        assertEquals(org.rnnlab.RunFailure.DIVERGED, e.exitCode());
        assertTrue(e.getMessage().startsWith("training diverged: "), e.getMessage());
        assertTrue(e.getMessage().contains("lower train.learning_rate or train.max_grad_norm"), e.getMessage());
        assertFalse(Files.exists(run.best()), "a diverged epoch is never the best");
    }

    @Test
    void midEpochCheckpointsResumeToTheSameModel() {
        SentimentConfig cfg = config("");
        RunDirectory straight = RunDirectory.create(dir.resolve("s"), cfg);
        train(cfg, straight, false, StopRequest.manual());
        SentimentConfig often = (SentimentConfig) ConfigLoader.parse(ConfigLoader.toYaml(cfg)
                .replace("checkpoint_every_minutes: 10.0", "checkpoint_every_minutes: 1.0E-9"), "tiny");
        RunDirectory broken = RunDirectory.create(dir.resolve("b"), often);
        org.rnnlab.model.FileSink.failAfter((long) (4.5 * fileSize(straight.checkpoint())));
        try {
            assertThrows(org.rnnlab.RunFailure.class, () -> train(often, broken, false, StopRequest.manual()));
        } finally {
            org.rnnlab.model.FileSink.failAfter(-1);
        }
        assertTrue(Checkpoints.restore(broken, ModelKind.SENTIMENT).state().stepsDone() > 0, "a mid-epoch checkpoint");
        train(often, broken, true, StopRequest.manual());
        assertEquals(params(straight.checkpoint()), params(broken.checkpoint()));
    }

    private static long fileSize(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
