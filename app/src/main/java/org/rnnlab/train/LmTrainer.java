package org.rnnlab.train;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.UserInputException;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.LmCorpus;
import org.rnnlab.data.lm.TokenWindows;
import org.rnnlab.data.lm.WordTokenizer;
import org.rnnlab.eval.LmEvaluator;
import org.rnnlab.model.LmModelFactory;
import org.rnnlab.model.ModelKind;
import org.rnnlab.monitor.StepRecord;
import org.rnnlab.monitor.TrainingObserver;
import org.rnnlab.text.Vocabulary;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a word-level language model as the TensorFlow PTB tutorial does: plain SGD over
 * consecutive {@code num_steps} windows of {@code batch_size} parallel word streams, the recurrent
 * state carried from window to window and reset only at the start of an epoch, gradients clipped by
 * global norm, the learning rate decayed per epoch. Checkpoints after every epoch (and at Ctrl-C)
 * hold everything needed to resume exactly: weights, updater state, epoch, step, learning rate and
 * the recurrent state in the middle of an epoch.
 *
 * <p>Each window is one {@link TbpttStep}, which carries the state that DL4J's {@code fit} would reset.
 */
public final class LmTrainer {

    private static final Logger LOG = LogManager.getLogger(LmTrainer.class);
    private static final String RNN_STATE = "rnn-state.bin";
    static final String METRICS_HEADER = "epoch,learning_rate,train_perplexity,valid_perplexity,words_per_second,epoch_seconds,grad_norm_mean";

    /** What to train and where. */
    public record Request(LmConfig config, LmCorpus corpus, RunDirectory run, boolean resume, boolean quiet,
                          StopRequest stop, TrainingObserver observer) {
        /** A request whose steps and epochs nobody observes. */
        public Request(LmConfig config, LmCorpus corpus, RunDirectory run, boolean resume, boolean quiet,
                       StopRequest stop) {
            this(config, corpus, run, resume, quiet, stop, TrainingObserver.NONE);
        }
    }

    /** Figures of one finished epoch. */
    public record EpochMetrics(int epoch, double learningRate, double trainPerplexity, double validPerplexity,
                               double wordsPerSecond, double seconds) {
    }

    /** Outcome of a training run. */
    public record Result(RunDirectory run, List<EpochMetrics> epochs, double bestValidPerplexity, int bestEpoch,
                         boolean interrupted, String stopReason) implements TrainOutcome {
    }

    private LmTrainer() {
    }

    public static Result train(Request req) {
        LmConfig cfg = req.config();
        LmConfig.Train t = cfg.train();
        Vocabulary vocab = req.corpus().vocabulary();
        MultiLayerNetwork net;
        TrainingState state;
        Map<Integer, Map<String, INDArray>> carriedState = null;
        if (req.resume()) {
            Checkpoints.Restored ckpt = Checkpoints.restore(req.run(), ModelKind.LM);
            net = ckpt.network();
            state = ckpt.state();
            if (ckpt.extras().containsKey(RNN_STATE)) {
                carriedState = readRnnState(ckpt.extras().get(RNN_STATE));
            }
            if (!ckpt.vocabulary().equals(vocab)) {
                throw new UserInputException(req.run().checkpoint() + ": the checkpoint's vocabulary differs from the corpus'"
                        + " (resume with the same data as the original run)");
            }
            LOG.info("Resuming {} at epoch {}, step {}", req.run().path(), state.epoch(), state.stepsDone());
        } else {
            net = new MultiLayerNetwork(LmModelFactory.build(cfg, vocab.size()));
            net.init();
            state = new TrainingState(1, 0, 0, t.learningRateForEpoch(1), Double.POSITIVE_INFINITY, 0, 0);
            LOG.info("Model: {} parameters, {} x {} {} layers, vocabulary {}", net.numParams(), cfg.model().layers(),
                    cfg.model().hiddenSize(), cfg.model().cell(), vocab.size());
        }
        GlobalNormClipping clipping = t.maxGradNorm() > 0 ? new GlobalNormClipping(t.maxGradNorm()) : null;
        if (clipping != null) {
            net.setListeners(clipping);
        }
        req.observer().onStart(net);
        TbpttStep step = new TbpttStep(net);
        TokenWindows windows = new TokenWindows(req.corpus().train(), t.batchSize(), t.numSteps());
        List<EpochMetrics> history = new ArrayList<>();
        RunClock clock = new RunClock(state.elapsedSeconds(), t.timeLimitMinutes());

        for (int epoch = state.epoch(); epoch <= t.epochs(); epoch++) {
            double lr = t.learningRateForEpoch(epoch);
            net.setLearningRate(lr);
            long firstStep = epoch == state.epoch() ? state.stepsDone() : 0;
            net.rnnClearPreviousState();
            if (firstStep > 0 && carriedState != null) {
                restoreRnnState(net, carriedState);
            }
            double costs = 0;
            long steps = 0;
            double normSum = 0;
            long epochStart = System.nanoTime();
            boolean stopped = false;
            String reason = null;
            try (EpochProgress progress = new EpochProgress("epoch " + epoch + "/" + t.epochs(), windows.numWindows(),
                    firstStep, req.quiet())) {
                for (long k = firstStep; k < windows.numWindows(); k++) {
                    StepSeed.apply(cfg.seed(), state.iteration());
                    double score = step.fit(windows.features((int) k), windows.labels((int) k));
                    state = new TrainingState(epoch, k + 1, state.iteration() + 1, lr, state.bestMetric(),
                            state.bestEpoch(), state.elapsedSeconds());
                    Divergence.check(score, epoch, k + 1, req.run().checkpoint(), "train.max_grad_norm");
                    costs += score;
                    steps++;
                    if (clipping != null) {
                        normSum += clipping.lastNorm();
                    }
                    double secs = (System.nanoTime() - epochStart) / 1e9;
                    req.observer().onStep(new StepRecord(state.iteration(), epoch,
                            state.iteration() * t.batchSize() * t.numSteps(), score / t.numSteps(),
                            Math.exp(score / t.numSteps()), clipping == null ? Double.NaN : clipping.lastNorm(), lr,
                            steps * t.numSteps() * t.batchSize() / Math.max(secs, 1e-9)));
                    progress.update(k + 1, String.format(Locale.ROOT, "ppl %.1f | %,.0f w/s",
                            Math.exp(costs / (steps * t.numSteps())),
                            steps * t.numSteps() * t.batchSize() / Math.max(secs, 1e-9)));
                    if (t.logEvery() > 0 && (k + 1) % t.logEvery() == 0) {
                        LOG.info(String.format(Locale.ROOT, "epoch %d step %d/%d: perplexity %.2f, %,.0f words/s",
                                epoch, k + 1, windows.numWindows(), Math.exp(costs / (steps * t.numSteps())),
                                steps * t.numSteps() * t.batchSize() / Math.max(secs, 1e-9)));
                    }
                    if (req.stop().isRequested() || clock.timeUp()) {
                        stopped = k + 1 < windows.numWindows();
                        reason = req.stop().isRequested() ? "interrupted" : "time limit reached";
                        if (stopped) {
                            break;
                        }
                    }
                }
            }
            double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
            double elapsed = clock.elapsedSeconds();
            if (stopped) {
                state = new TrainingState(state.epoch(), state.stepsDone(), state.iteration(), lr, state.bestMetric(),
                        state.bestEpoch(), elapsed);
                saveCheckpoint(req, net, vocab, state, rnnState(net));
                LOG.info("Stopped ({}) at epoch {}, step {}/{}; checkpoint {} — continue with: rnnlab train --resume {}",
                        reason, epoch, state.stepsDone(), windows.numWindows(), req.run().checkpoint(), req.run().path());
                return new Result(req.run(), history, state.bestMetric(), state.bestEpoch(), true, reason);
            }
            net.incrementEpochCount();
            double trainPpl = Math.exp(costs / Math.max(steps * t.numSteps(), 1));
            LmEvaluator.Result valid = LmEvaluator.evaluate(net, req.corpus().valid(), t.evalBatchSize(), t.numSteps());
            double wps = steps * (double) t.numSteps() * t.batchSize() / epochSeconds;
            EpochMetrics m = new EpochMetrics(epoch, lr, trainPpl, valid.perplexity(), wps, epochSeconds);
            history.add(m);
            boolean best = valid.perplexity() < state.bestMetric();
            state = new TrainingState(epoch + 1, 0, state.iteration(), t.learningRateForEpoch(epoch + 1),
                    best ? valid.perplexity() : state.bestMetric(), best ? epoch : state.bestEpoch(), elapsed);
            saveCheckpoint(req, net, vocab, state, null);
            if (best) {
                Checkpoints.promoteToBest(req.run());
            }
            req.run().appendMetrics(METRICS_HEADER, String.format(Locale.ROOT, "%d,%.6g,%.4f,%.4f,%.1f,%.1f,%.4f",
                    epoch, lr, trainPpl, valid.perplexity(), wps, epochSeconds, steps == 0 ? 0 : normSum / steps));
            req.observer().onEpoch(epoch);
            LOG.info(String.format(Locale.ROOT,
                    "Epoch %d/%d: lr %.4g | train ppl %.2f | valid ppl %.2f | %,.0f words/s | %.1f s%s",
                    epoch, t.epochs(), lr, trainPpl, valid.perplexity(), wps, epochSeconds, best ? " | best" : ""));
            if (req.stop().isRequested() || clock.timeUp()) {
                String why = req.stop().isRequested() ? "interrupted" : "time limit reached";
                return new Result(req.run(), history, state.bestMetric(), state.bestEpoch(), epoch < t.epochs(), why);
            }
        }
        return new Result(req.run(), history, state.bestMetric(), state.bestEpoch(), false, null);
    }

    private static void saveCheckpoint(Request req, MultiLayerNetwork net, Vocabulary vocab, TrainingState state,
                                       byte[] rnnState) {
        Map<String, byte[]> extras = new HashMap<>();
        if (rnnState != null) {
            extras.put(RNN_STATE, rnnState);
        }
        Checkpoints.save(req.run(), net, ModelKind.LM, req.config(), vocab, WordTokenizer.UNK, state, extras);
    }

    /**
     * The recurrent layers' carried training state, serialised: layer index, key, array. In training
     * DL4J's recurrent layers start each window from their truncated-BPTT state map, not from the
     * {@code rnnTimeStep} one, so that is the state a mid-epoch checkpoint must keep.
     */
    static byte[] rnnState(MultiLayerNetwork net) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
             DataOutputStream out = new DataOutputStream(bytes)) {
            List<Integer> layers = new ArrayList<>();
            for (int i = 0; i < net.getnLayers(); i++) {
                if (net.getLayer(i) instanceof RecurrentLayer) {
                    layers.add(i);
                }
            }
            out.writeInt(layers.size());
            for (int i : layers) {
                Map<String, INDArray> s = ((RecurrentLayer) net.getLayer(i)).rnnGetTBPTTState();
                out.writeInt(i);
                out.writeInt(s.size());
                for (Map.Entry<String, INDArray> e : s.entrySet()) {
                    out.writeUTF(e.getKey());
                    Nd4j.write(e.getValue(), out);
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<Integer, Map<String, INDArray>> readRnnState(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            Map<Integer, Map<String, INDArray>> all = new HashMap<>();
            int layers = in.readInt();
            for (int l = 0; l < layers; l++) {
                int idx = in.readInt();
                int n = in.readInt();
                Map<String, INDArray> s = new HashMap<>();
                for (int j = 0; j < n; j++) {
                    String key = in.readUTF();
                    s.put(key, Nd4j.read(in));
                }
                all.put(idx, s);
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException("Corrupt recurrent state in checkpoint", e);
        }
    }

    static void restoreRnnState(MultiLayerNetwork net, Map<Integer, Map<String, INDArray>> s) {
        s.forEach((layer, state) -> ((RecurrentLayer) net.getLayer(layer)).rnnSetTBPTTState(state));
    }
}
