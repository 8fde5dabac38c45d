package org.rnnlab.train;

import org.rnnlab.monitor.StepRecord;
import org.rnnlab.monitor.TrainingObserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.common.util.MathUtils;
import org.rnnlab.UserInputException;
import org.rnnlab.config.SentimentConfig;
import org.rnnlab.data.sentiment.LabeledSequences;
import org.rnnlab.data.sentiment.SentimentDataSource;
import org.rnnlab.eval.SentimentEvaluator;
import org.rnnlab.model.ModelKind;
import org.rnnlab.model.SentimentClassifier;
import org.rnnlab.model.SentimentModelFactory;
import org.rnnlab.text.ReviewEncoder;
import org.rnnlab.text.Vocabulary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Trains a sentiment classifier as Keras' {@code model.fit} does: epochs over the training reviews in
 * minibatches of {@code batch_size}, reshuffled every epoch, with Adam. After each epoch it measures
 * accuracy on the held-out validation reviews, appends a line to {@code metrics.csv}, writes
 * {@code checkpoint.zip} and, when validation accuracy improved, {@code best.zip}. It stops early
 * after {@code patience} epochs without improvement.
 *
 * <p>The order of each epoch and the dropout masks of each step are functions of the seed, the
 * epoch and the step, and checkpoints hold the optimizer state, so {@code --resume} continues
 * exactly where a run stopped (at an epoch boundary, or mid-epoch after Ctrl-C or a time limit).
 */
public final class SentimentTrainer {

    private static final Logger LOG = LogManager.getLogger(SentimentTrainer.class);
    static final String METRICS_HEADER = "epoch,train_loss,valid_loss,valid_accuracy,reviews_per_second,epoch_seconds,"
            + "valid_seconds,grad_norm_mean";

    /** What to train and where; {@code onEpoch} receives each epoch's summary line as it ends. */
    public record Request(SentimentConfig config, SentimentDataSource.TrainingData data, RunDirectory run,
                          boolean resume, boolean quiet, StopRequest stop, Consumer<String> onEpoch,
                          TrainingObserver observer) {
        /** A request whose steps and epochs nobody observes. */
        public Request(SentimentConfig config, SentimentDataSource.TrainingData data, RunDirectory run,
                       boolean resume, boolean quiet, StopRequest stop) {
            this(config, data, run, resume, quiet, stop, line -> { }, TrainingObserver.NONE);
        }

        /** A request whose epoch summaries go to {@code onEpoch}; no step observer. */
        public Request(SentimentConfig config, SentimentDataSource.TrainingData data, RunDirectory run,
                       boolean resume, boolean quiet, StopRequest stop, Consumer<String> onEpoch) {
            this(config, data, run, resume, quiet, stop, onEpoch, TrainingObserver.NONE);
        }
    }

    /** Figures of one finished epoch; validation figures are NaN without a validation split. */
    public record EpochMetrics(int epoch, double trainLoss, double validLoss, double validAccuracy,
                               double reviewsPerSecond, double seconds) {

        /** "valid loss L, accuracy A%", or "no validation split" when the run has none. */
        public String describeValidation() {
            return Double.isNaN(validAccuracy) ? "no validation split"
                    : String.format(Locale.ROOT, "valid loss %.4f, accuracy %.2f%%", validLoss, 100 * validAccuracy);
        }
    }

    /**
     * Outcome of a training run. {@code interrupted}: stopped by Ctrl-C or the time limit and
     * resumable; {@code stopReason} says why training ended before its last epoch (null when it
     * did not), including early stopping.
     */
    public record Result(RunDirectory run, List<EpochMetrics> epochs, double bestValidAccuracy, int bestEpoch,
                         boolean interrupted, String stopReason, double trainingSeconds) implements TrainOutcome {
    }

    /**
     * A loss this many times chance's (ln 2 per review, the loss of always answering 0.5) means the
     * predictions are confidently wrong: the weights have blown up, not merely overfitted.
     */
    static final double DIVERGED_LOSS_OVER_CHANCE = 5;

    private SentimentTrainer() {
    }

    public static Result train(Request req) {
        SentimentConfig cfg = req.config();
        SentimentConfig.Train t = cfg.train();
        Vocabulary vocab = req.data().vocabulary();
        MultiLayerNetwork net;
        TrainingState state;
        EpochSums carried = null;
        if (req.resume()) {
            Checkpoints.Restored ckpt = Checkpoints.restore(req.run(), ModelKind.SENTIMENT);
            if (!ckpt.vocabulary().equals(vocab)) {
                throw new UserInputException(req.run().checkpoint() + ": the checkpoint's vocabulary differs from the"
                        + " data's (resume with the same data as the original run)");
            }
            net = ckpt.network();
            state = ckpt.state();
            if (state.stepsDone() > 0 && ckpt.extras().containsKey(EpochSums.EXTRA)) {
                carried = EpochSums.fromJson(ckpt.extras().get(EpochSums.EXTRA));
            }
            LOG.info("Resuming {} at epoch {}, step {}", req.run().path(), state.epoch(), state.stepsDone());
        } else {
            net = new MultiLayerNetwork(SentimentModelFactory.build(cfg, vocab.size()));
            net.init();
            state = new TrainingState(1, 0, 0, t.learningRate(), Double.NEGATIVE_INFINITY, 0, 0);
            LOG.info("Model: {} parameters; {} x {} {}{} layers, {} pooling, {} output; vocabulary {}", net.numParams(),
                    cfg.model().layers(), cfg.model().hiddenSize(), cfg.model().bidirectional() ? "bidirectional " : "",
                    cfg.model().cell(), cfg.model().pooling(), cfg.model().output(), vocab.size());
        }
        // Logged here as well because the data is read before the run folder and its log exist.
        LOG.info("Data: {} training and {} validation reviews from {}", req.data().train().size(),
                req.data().valid().size(), req.data().source());
        GlobalNormClipping clipping = t.maxGradNorm() > 0 ? new GlobalNormClipping(t.maxGradNorm()) : null;
        if (clipping != null) {
            net.setListeners(clipping);
        }
        // After the clipping listener: a UI listener joins the network's list.
        req.observer().onStart(net);
        SentimentTask task = new SentimentTask(req, net, clipping);
        RunClock clock = new RunClock(state.elapsedSeconds(), 0);
        EpochLoop.Outcome<EpochMetrics> o = new EpochLoop<>(task, req.run(), new EpochLoop.Settings(cfg.seed(),
                req.quiet(), t.checkpointEveryMinutes(), t.stopOnDivergence(), t.timeLimitMinutes(), req.stop(),
                req.onEpoch(), req.observer())).run(state, carried, req.resume());
        double seconds = o.interrupted() ? o.state().elapsedSeconds() : clock.elapsedSeconds();
        return new Result(req.run(), o.epochs(), o.state().bestMetric(), o.state().bestEpoch(), o.interrupted(),
                o.stopReason(), seconds);
    }

    /** The classifier's part of the epoch loop: shuffled minibatches, validation accuracy, early stopping. */
    private static final class SentimentTask implements EpochLoop.Task<EpochMetrics> {
        private final Request req;
        private final SentimentConfig.Train t;
        private final MultiLayerNetwork net;
        private final GlobalNormClipping clipping;
        private final SentimentClassifier classifier;
        private final LabeledSequences train;
        private final boolean validating;
        private int[] order;

        SentimentTask(Request req, MultiLayerNetwork net, GlobalNormClipping clipping) {
            this.req = req;
            this.t = req.config().train();
            this.net = net;
            this.clipping = clipping;
            this.classifier = new SentimentClassifier(net, req.config(), req.data().vocabulary());
            this.train = req.data().train();
            this.validating = req.data().valid().size() > 0;
        }

        @Override
        public int epochs() {
            return t.epochs();
        }

        @Override
        public long stepsPerEpoch() {
            return (train.size() + t.batchSize() - 1) / t.batchSize();
        }

        @Override
        public double learningRate(int epoch) {
            return t.learningRate();
        }

        @Override
        public String stopBefore(int epoch, TrainingState state) {
            if (t.patience() > 0 && state.bestEpoch() > 0 && epoch - 1 - state.bestEpoch() >= t.patience()) {
                return String.format(Locale.ROOT, "early stopping: no better validation accuracy for %d epochs",
                        t.patience());
            }
            return null;
        }

        @Override
        public void beginEpoch(int epoch, long firstStep, double learningRate) {
            order = epochOrder(train.size(), req.config().seed(), epoch);
        }

        @Override
        public EpochLoop.Step step(int epoch, long k) {
            int[] idx = Arrays.copyOfRange(order, (int) k * t.batchSize(),
                    (int) Math.min((k + 1) * t.batchSize(), train.size()));
            net.fit(classifier.batch(train.sequencesAt(idx), train.labelsAt(idx)));
            double loss = net.score();
            return new EpochLoop.Step(loss * idx.length, idx.length, loss, clipping == null ? 0 : clipping.lastNorm());
        }

        @Override
        public StepRecord stepRecord(long iteration, int epoch, EpochLoop.Step s, EpochSums sums, double seconds,
                                     double learningRate) {
            return new StepRecord(iteration, epoch, (epoch - 1L) * train.size() + sums.examples(), s.loss(), Double.NaN,
                    clipping == null ? Double.NaN : s.gradNorm(), learningRate, sums.examples() / Math.max(seconds, 1e-9));
        }

        @Override
        public String progress(EpochSums s, double seconds) {
            return String.format(Locale.ROOT, "loss %.4f | %,.0f reviews/s", s.lossSum() / s.examples(),
                    s.examples() / Math.max(seconds, 1e-9));
        }

        @Override
        public void saveCheckpoint(TrainingState state, Map<String, byte[]> extras) {
            Checkpoints.save(req.run(), net, ModelKind.SENTIMENT, req.config(), req.data().vocabulary(),
                    ReviewEncoder.UNK, state, extras);
        }

        @Override
        public EpochLoop.EpochEnd<EpochMetrics> endEpoch(int epoch, double lr, EpochSums sums, double seconds,
                                                          double bestSoFar) {
            net.incrementEpochCount();
            SentimentEvaluator.Result valid = validating
                    ? SentimentEvaluator.evaluate(classifier, req.data().valid(), Math.max(t.batchSize(), 256)) : null;
            validSeconds = valid == null ? 0.0 : valid.seconds();
            double validAcc = valid == null ? Double.NaN : valid.accuracy();
            double trainLoss = sums.examples() == 0 ? Double.NaN : sums.lossSum() / sums.examples();
            EpochMetrics m = new EpochMetrics(epoch, trainLoss, valid == null ? Double.NaN : valid.logLoss(), validAcc,
                    sums.examples() / seconds, seconds);
            double judged = validating ? m.validLoss() : trainLoss;
            double limit = DIVERGED_LOSS_OVER_CHANCE * Math.log(2);
            String divergence = Double.isFinite(judged) && judged <= limit ? null : String.format(Locale.ROOT,
                    "%s loss %.4g after epoch %d is more than %.0f times chance's %.4f", validating ? "valid" : "train",
                    judged, epoch, DIVERGED_LOSS_OVER_CHANCE, Math.log(2));
            // Without a validation split the latest epoch is the one to keep.
            return new EpochLoop.EpochEnd<>(m, !validating || validAcc > bestSoFar, validating ? validAcc : bestSoFar,
                    divergence);
        }

        private double validSeconds;

        @Override
        public String metricsHeader() {
            return METRICS_HEADER;
        }

        @Override
        public String metricsRow(EpochLoop.EpochEnd<EpochMetrics> end, EpochSums sums, double seconds) {
            EpochMetrics m = end.metrics();
            return String.format(Locale.ROOT, "%d,%.5f,%.5f,%.5f,%.1f,%.1f,%.1f,%.4f", m.epoch(), m.trainLoss(),
                    m.validLoss(), m.validAccuracy(), m.reviewsPerSecond(), seconds, validSeconds,
                    sums.steps() == 0 ? 0 : sums.normSum() / sums.steps());
        }

        @Override
        public String summary(EpochLoop.EpochEnd<EpochMetrics> end, boolean best) {
            EpochMetrics m = end.metrics();
            return String.format(Locale.ROOT, "epoch %d: train loss %.4f, %s, %.0f reviews/s, %.1f s%s",
                    m.epoch(), m.trainLoss(), m.describeValidation(), m.reviewsPerSecond(), m.seconds(),
                    best ? ", best" : "");
        }

        @Override
        public String remedyKeys() {
            return "train.learning_rate or train.max_grad_norm";
        }
    }

    /**
     * The order of the training reviews in {@code epoch}: a shuffle seeded by the run's seed and the
     * epoch, so a resumed run replays the same order.
     */
    static int[] epochOrder(int n, long seed, int epoch) {
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        MathUtils.shuffleArray(order, new Random(seed * 7_919L + epoch));
        return order;
    }
}
