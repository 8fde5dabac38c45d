package org.rnnlab.train;

import org.rnnlab.monitor.StepRecord;
import org.rnnlab.monitor.TrainingObserver;

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
import java.util.function.Consumer;

/**
 * Trains a word-level language model as the TensorFlow PTB tutorial does: plain SGD over
 * consecutive {@code num_steps} windows of {@code batch_size} parallel word streams, the recurrent
 * state carried from window to window and reset only at the start of an epoch, gradients clipped by
 * global norm, the learning rate decayed per epoch. The {@link EpochLoop} writes checkpoints after
 * every epoch, every {@code checkpoint_every_minutes} inside one and at Ctrl-C; they hold everything
 * needed to resume exactly: weights, updater state, epoch, step, learning rate, the epoch's running
 * sums and the recurrent state in the middle of an epoch.
 *
 * <p>Each window is one {@link TbpttStep}, which carries the state that DL4J's {@code fit} would reset.
 */
public final class LmTrainer {

    private static final Logger LOG = LogManager.getLogger(LmTrainer.class);
    private static final String RNN_STATE = "rnn-state.bin";
    static final String METRICS_HEADER = "epoch,learning_rate,train_perplexity,valid_perplexity,words_per_second,epoch_seconds,grad_norm_mean";

    /** What to train and where; {@code onEpoch} receives each epoch's summary line as it ends. */
    public record Request(LmConfig config, LmCorpus corpus, RunDirectory run, boolean resume, boolean quiet,
                          StopRequest stop, Consumer<String> onEpoch, TrainingObserver observer) {
        /** A request whose steps and epochs nobody observes. */
        public Request(LmConfig config, LmCorpus corpus, RunDirectory run, boolean resume, boolean quiet,
                       StopRequest stop) {
            this(config, corpus, run, resume, quiet, stop, line -> { }, TrainingObserver.NONE);
        }

        /** A request whose epoch summaries go to {@code onEpoch}; no step observer. */
        public Request(LmConfig config, LmCorpus corpus, RunDirectory run, boolean resume, boolean quiet,
                       StopRequest stop, Consumer<String> onEpoch) {
            this(config, corpus, run, resume, quiet, stop, onEpoch, TrainingObserver.NONE);
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

    /** A validation perplexity this many times the vocabulary size (a uniform guess) means training diverged. */
    static final double DIVERGED_OVER_UNIFORM = 2;

    private LmTrainer() {
    }

    public static Result train(Request req) {
        LmConfig cfg = req.config();
        LmConfig.Train t = cfg.train();
        Vocabulary vocab = req.corpus().vocabulary();
        MultiLayerNetwork net;
        TrainingState state;
        Map<Integer, Map<String, INDArray>> carriedState = null;
        EpochSums carriedSums = null;
        if (req.resume()) {
            Checkpoints.Restored ckpt = Checkpoints.restore(req.run(), ModelKind.LM);
            net = ckpt.network();
            state = ckpt.state();
            if (ckpt.extras().containsKey(RNN_STATE)) {
                carriedState = readRnnState(ckpt.extras().get(RNN_STATE));
            }
            if (state.stepsDone() > 0 && ckpt.extras().containsKey(EpochSums.EXTRA)) {
                carriedSums = EpochSums.fromJson(ckpt.extras().get(EpochSums.EXTRA));
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
        // After the clipping listener, before the step's solver is built: a UI listener joins the solver's list.
        req.observer().onStart(net);
        LmTask task = new LmTask(req, net, clipping, carriedState);
        EpochLoop.Outcome<EpochMetrics> o = new EpochLoop<>(task, req.run(), new EpochLoop.Settings(cfg.seed(),
                req.quiet(), t.checkpointEveryMinutes(), t.stopOnDivergence(), t.timeLimitMinutes(), req.stop(),
                req.onEpoch(), req.observer())).run(state, carriedSums, req.resume());
        return new Result(req.run(), o.epochs(), o.state().bestMetric(), o.state().bestEpoch(), o.interrupted(),
                o.stopReason());
    }

    /** The language model's part of the epoch loop: TBPTT windows, perplexities, the carried state. */
    private static final class LmTask implements EpochLoop.Task<EpochMetrics> {
        private final Request req;
        private final LmConfig.Train t;
        private final MultiLayerNetwork net;
        private final GlobalNormClipping clipping;
        private final TbpttStep step;
        private final TokenWindows windows;
        private final int vocabSize;
        private Map<Integer, Map<String, INDArray>> carriedState;

        LmTask(Request req, MultiLayerNetwork net, GlobalNormClipping clipping,
               Map<Integer, Map<String, INDArray>> carriedState) {
            this.req = req;
            this.t = req.config().train();
            this.net = net;
            this.clipping = clipping;
            this.carriedState = carriedState;
            this.step = new TbpttStep(net);
            this.windows = new TokenWindows(req.corpus().train(), t.batchSize(), t.numSteps());
            this.vocabSize = req.corpus().vocabulary().size();
        }

        @Override
        public int epochs() {
            return t.epochs();
        }

        @Override
        public long stepsPerEpoch() {
            return windows.numWindows();
        }

        @Override
        public double learningRate(int epoch) {
            return t.learningRateForEpoch(epoch);
        }

        @Override
        public void beginEpoch(int epoch, long firstStep, double learningRate) {
            net.setLearningRate(learningRate);
            net.rnnClearPreviousState();
            if (firstStep > 0 && carriedState != null) {
                restoreRnnState(net, carriedState);
            }
            carriedState = null;
        }

        @Override
        public EpochLoop.Step step(int epoch, long k) {
            double score = step.fit(windows.features((int) k), windows.labels((int) k));
            return new EpochLoop.Step(score, (long) t.numSteps() * t.batchSize(), score,
                    clipping == null ? 0 : clipping.lastNorm());
        }

        private double perplexity(EpochSums s) {
            return Math.exp(s.lossSum() / Math.max(s.steps() * t.numSteps(), 1));
        }

        @Override
        public String progress(EpochSums s, double seconds) {
            return String.format(Locale.ROOT, "ppl %.1f | %,.0f w/s", perplexity(s), s.examples() / Math.max(seconds, 1e-9));
        }

        @Override
        public StepRecord stepRecord(long iteration, int epoch, EpochLoop.Step s, EpochSums sums, double seconds,
                                     double learningRate) {
            double loss = s.loss() / t.numSteps();
            return new StepRecord(iteration, epoch, iteration * t.batchSize() * t.numSteps(), loss, Math.exp(loss),
                    clipping == null ? Double.NaN : s.gradNorm(), learningRate,
                    sums.examples() / Math.max(seconds, 1e-9));
        }

        @Override
        public void afterStep(int epoch, long k, EpochSums s, double seconds) {
            if (t.logEvery() > 0 && (k + 1) % t.logEvery() == 0) {
                LOG.info(String.format(Locale.ROOT, "epoch %d step %d/%d: perplexity %.2f, %,.0f words/s",
                        epoch, k + 1, windows.numWindows(), perplexity(s), s.examples() / Math.max(seconds, 1e-9)));
            }
        }

        @Override
        public Map<String, byte[]> midEpochExtras() {
            return Map.of(RNN_STATE, rnnState(net));
        }

        @Override
        public void saveCheckpoint(TrainingState state, Map<String, byte[]> extras) {
            Checkpoints.save(req.run(), net, ModelKind.LM, req.config(), req.corpus().vocabulary(), WordTokenizer.UNK,
                    state, extras);
        }

        @Override
        public EpochLoop.EpochEnd<EpochMetrics> endEpoch(int epoch, double lr, EpochSums sums, double seconds,
                                                          double bestSoFar) {
            net.incrementEpochCount();
            LmEvaluator.Result valid = LmEvaluator.evaluate(net, req.corpus().valid(), t.evalBatchSize(), t.numSteps());
            double ppl = valid.perplexity();
            EpochMetrics m = new EpochMetrics(epoch, lr, perplexity(sums), ppl, sums.examples() / seconds, seconds);
            // A uniform guess over the vocabulary scores exactly the vocabulary size. Small, noisy corpora hover
            // near it in their first epochs (13.9 for 12 words in a test), so only twice that counts as diverged;
            // a real divergence is orders of magnitude beyond (1.9e29 for PTB at learning rate 1e6).
            String divergence = Double.isFinite(ppl) && ppl <= DIVERGED_OVER_UNIFORM * vocabSize ? null
                    : String.format(Locale.ROOT, "valid perplexity %.4g after epoch %d is more than %.0f times the"
                            + " vocabulary size %d (a uniform guess scores %d)", ppl, epoch, DIVERGED_OVER_UNIFORM,
                    vocabSize, vocabSize);
            return new EpochLoop.EpochEnd<>(m, ppl < bestSoFar, ppl, divergence);
        }

        @Override
        public String metricsHeader() {
            return METRICS_HEADER;
        }

        @Override
        public String metricsRow(EpochLoop.EpochEnd<EpochMetrics> end, EpochSums sums, double seconds) {
            EpochMetrics m = end.metrics();
            return String.format(Locale.ROOT, "%d,%.6g,%.4f,%.4f,%.1f,%.1f,%.4f", m.epoch(), m.learningRate(),
                    m.trainPerplexity(), m.validPerplexity(), m.wordsPerSecond(), seconds,
                    sums.steps() == 0 ? 0 : sums.normSum() / sums.steps());
        }

        @Override
        public String summary(EpochLoop.EpochEnd<EpochMetrics> end, boolean best) {
            EpochMetrics m = end.metrics();
            return String.format(Locale.ROOT,
                    "epoch %d: train perplexity %.2f, valid perplexity %.2f, %.0f words/s, %.1f s, lr %.4g%s",
                    m.epoch(), m.trainPerplexity(), m.validPerplexity(), m.wordsPerSecond(), m.seconds(),
                    m.learningRate(), best ? ", best" : "");
        }

        @Override
        public String remedyKeys() {
            return "train.learning_rate or train.max_grad_norm";
        }
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
