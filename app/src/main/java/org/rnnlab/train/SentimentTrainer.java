package org.rnnlab.train;

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
import org.rnnlab.monitor.StepRecord;
import org.rnnlab.monitor.TrainingObserver;
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

    /** What to train and where. */
    public record Request(SentimentConfig config, SentimentDataSource.TrainingData data, RunDirectory run,
                          boolean resume, boolean quiet, StopRequest stop, TrainingObserver observer) {
        /** A request whose steps and epochs nobody observes. */
        public Request(SentimentConfig config, SentimentDataSource.TrainingData data, RunDirectory run,
                       boolean resume, boolean quiet, StopRequest stop) {
            this(config, data, run, resume, quiet, stop, TrainingObserver.NONE);
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
     * Running sums of the epoch in progress, saved with a mid-epoch checkpoint so that after
     * {@code --resume} the epoch's loss, speed and time cover all of it, not only the resumed part.
     */
    record EpochSums(double lossSum, long reviews, double normSum, long steps, double seconds) {
        static final String EXTRA = "epoch-sums.json";
        private static final ObjectMapper JSON = new ObjectMapper();

        byte[] toJson() {
            try {
                return JSON.writeValueAsBytes(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static EpochSums fromJson(byte[] json) {
            try {
                return JSON.readValue(json, EpochSums.class);
            } catch (IOException e) {
                throw new UncheckedIOException("Corrupt epoch sums in checkpoint", e);
            }
        }
    }

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
        req.observer().onStart(net);
        SentimentClassifier classifier = new SentimentClassifier(net, cfg, vocab);
        LabeledSequences train = req.data().train();
        boolean validating = req.data().valid().size() > 0;
        int steps = (train.size() + t.batchSize() - 1) / t.batchSize();
        RunClock clock = new RunClock(state.elapsedSeconds(), t.timeLimitMinutes());
        List<EpochMetrics> history = new ArrayList<>();

        for (int epoch = state.epoch(); epoch <= t.epochs(); epoch++) {
            if (t.patience() > 0 && state.bestEpoch() > 0 && epoch - 1 - state.bestEpoch() >= t.patience()) {
                return finished(req, history, state, String.format(Locale.ROOT,
                        "early stopping: no better validation accuracy for %d epochs", t.patience()), clock);
            }
            int[] order = epochOrder(train.size(), cfg.seed(), epoch);
            long firstStep = epoch == state.epoch() ? state.stepsDone() : 0;
            EpochSums before = firstStep > 0 && carried != null ? carried : new EpochSums(0, 0, 0, 0, 0);
            double lossSum = before.lossSum();
            long reviews = before.reviews();
            double normSum = before.normSum();
            long done = before.steps();
            long epochStart = System.nanoTime() - (long) (before.seconds() * 1e9);
            boolean stopped = false;
            try (EpochProgress progress = new EpochProgress("epoch " + epoch + "/" + t.epochs(), steps, firstStep,
                    req.quiet())) {
                for (long k = firstStep; k < steps; k++) {
                    int[] idx = Arrays.copyOfRange(order, (int) k * t.batchSize(),
                            (int) Math.min((k + 1) * t.batchSize(), train.size()));
                    StepSeed.apply(cfg.seed(), state.iteration());
                    net.fit(classifier.batch(train.sequencesAt(idx), train.labelsAt(idx)));
                    double loss = net.score();
                    state = new TrainingState(epoch, k + 1, state.iteration() + 1, t.learningRate(), state.bestMetric(),
                            state.bestEpoch(), state.elapsedSeconds());
                    Divergence.check(loss, epoch, k + 1, req.run().checkpoint(), "train.max_grad_norm");
                    lossSum += loss * idx.length;
                    reviews += idx.length;
                    done++;
                    if (clipping != null) {
                        normSum += clipping.lastNorm();
                    }
                    double secs = (System.nanoTime() - epochStart) / 1e9;
                    req.observer().onStep(new StepRecord(state.iteration(), epoch, (epoch - 1L) * train.size() + reviews,
                            loss, Double.NaN, clipping == null ? Double.NaN : clipping.lastNorm(), t.learningRate(),
                            reviews / Math.max(secs, 1e-9)));
                    progress.update(k + 1, String.format(Locale.ROOT, "loss %.4f | %,.0f reviews/s",
                            lossSum / reviews, reviews / Math.max(secs, 1e-9)));
                    if ((req.stop().isRequested() || clock.timeUp()) && k + 1 < steps) {
                        stopped = true;
                        break;
                    }
                }
            }
            double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
            if (stopped) {
                String reason = req.stop().isRequested() ? "interrupted" : "time limit reached";
                state = withElapsed(state, clock);
                Checkpoints.save(req.run(), net, ModelKind.SENTIMENT, cfg, vocab, ReviewEncoder.UNK, state,
                        Map.of(EpochSums.EXTRA, new EpochSums(lossSum, reviews, normSum, done, epochSeconds).toJson()));
                LOG.info("Stopped ({}) at epoch {}, step {}/{}; checkpoint {} — continue with: rnnlab train --resume {}",
                        reason, epoch, state.stepsDone(), steps, req.run().checkpoint(), req.run().path());
                return new Result(req.run(), history, state.bestMetric(), state.bestEpoch(), true, reason,
                        state.elapsedSeconds());
            }
            net.incrementEpochCount();
            SentimentEvaluator.Result valid = validating
                    ? SentimentEvaluator.evaluate(classifier, req.data().valid(), Math.max(t.batchSize(), 256)) : null;
            double validAcc = valid == null ? Double.NaN : valid.accuracy();
            double trainLoss = reviews == 0 ? Double.NaN : lossSum / reviews;
            EpochMetrics m = new EpochMetrics(epoch, trainLoss, valid == null ? Double.NaN : valid.logLoss(), validAcc,
                    reviews / epochSeconds, epochSeconds);
            history.add(m);
            // Without a validation split the latest epoch is the one to keep.
            boolean best = !validating || validAcc > state.bestMetric();
            state = new TrainingState(epoch + 1, 0, state.iteration(), t.learningRate(),
                    best ? (validating ? validAcc : state.bestMetric()) : state.bestMetric(),
                    best ? epoch : state.bestEpoch(), clock.elapsedSeconds());
            Checkpoints.save(req.run(), net, ModelKind.SENTIMENT, cfg, vocab, ReviewEncoder.UNK, state, Map.of());
            if (best) {
                Checkpoints.promoteToBest(req.run());
            }
            req.run().appendMetrics(METRICS_HEADER, String.format(Locale.ROOT, "%d,%.5f,%.5f,%.5f,%.1f,%.1f,%.1f,%.4f",
                    epoch, trainLoss, m.validLoss(), validAcc, m.reviewsPerSecond(), epochSeconds,
                    valid == null ? 0.0 : valid.seconds(), done == 0 ? 0 : normSum / done));
            req.observer().onEpoch(epoch);
            LOG.info(String.format(Locale.ROOT, "Epoch %d/%d: train loss %.4f | %s | %,.0f reviews/s | %.1f s%s",
                    epoch, t.epochs(), trainLoss, m.describeValidation(), m.reviewsPerSecond(), epochSeconds,
                    best ? " | best" : ""));
            if (req.stop().isRequested() || clock.timeUp()) {
                String why = req.stop().isRequested() ? "interrupted" : "time limit reached";
                return new Result(req.run(), history, state.bestMetric(), state.bestEpoch(), epoch < t.epochs(),
                        epoch < t.epochs() ? why : null, state.elapsedSeconds());
            }
        }
        return finished(req, history, state, null, clock);
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

    private static Result finished(Request req, List<EpochMetrics> history, TrainingState state, String reason,
                                   RunClock clock) {
        return new Result(req.run(), history, state.bestMetric(), state.bestEpoch(), false, reason, clock.elapsedSeconds());
    }

    private static TrainingState withElapsed(TrainingState s, RunClock clock) {
        return new TrainingState(s.epoch(), s.stepsDone(), s.iteration(), s.learningRate(), s.bestMetric(),
                s.bestEpoch(), clock.elapsedSeconds());
    }
}
