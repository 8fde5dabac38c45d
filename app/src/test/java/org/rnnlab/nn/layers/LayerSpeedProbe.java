package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.SparseSoftmaxOutput;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Training-speed probe for the PTB "small" language model (embedding 10000→200, 2 × LSTM(200), softmax over 10000
 * words, batch 20, truncated BPTT windows of 20 steps, SGD, FLOAT, workspaces enabled), built twice in one process:
 * with DL4J's {@code LSTM} + {@code RnnOutputLayer(SPARSE_MCXENT)} ("stock") and with {@link FusedLstm} +
 * {@link SparseSoftmaxOutput} ("fused"). Each variant fits random word windows [20, 1, 20] with
 * {@code net.fit(features, labels)}: warm-up iterations, then timed ones, and prints ms per iteration and words/s,
 * with a split of each iteration into forward pass (layers below the output layer), output layer + backward pass +
 * score, and parameter update (from training-listener callbacks). The variants run alternately in rounds so that
 * a change in machine load affects both alike; the figures are medians over rounds.
 *
 * <p>Not a test: run it by hand, with OpenMP settings of your choice, on an otherwise idle machine (another
 * CPU-heavy process on a 2-core machine distorts both figures), e.g. from the checkout root, with the runtime class
 * path of the app module in cp.txt:
 * <pre>
 * mvn -o -q test-compile
 * OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE java -cp app/target/test-classes:app/target/classes:$(cat cp.txt) \
 *     org.rnnlab.nn.layers.LayerSpeedProbe [warmup=10] [timed=50] [rounds=1] [variants=stock,fused]
 * </pre>
 */
public final class LayerSpeedProbe {

    private static final int VOCAB = 10_000;
    private static final int HIDDEN = 200;
    private static final int BATCH = 20;
    private static final int STEPS = 20;

    private LayerSpeedProbe() {
    }

    public static void main(String[] args) {
        int warmup = intArg(args, "warmup", 10);
        int timed = intArg(args, "timed", 50);
        int rounds = intArg(args, "rounds", 1);
        String[] variants = stringArg(args, "variants", "stock,fused").split(",");

        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        System.out.printf(Locale.ROOT, "PTB small: batch %d x %d steps = %d words/iteration; OMP_NUM_THREADS=%s,"
                        + " OMP_WAIT_POLICY=%s, %d warm-up + %d timed iterations x %d rounds%n", BATCH, STEPS,
                BATCH * STEPS, System.getenv("OMP_NUM_THREADS"), System.getenv("OMP_WAIT_POLICY"), warmup, timed,
                rounds);

        List<Variant> vs = new ArrayList<>();
        for (String v : variants) {
            vs.add(new Variant(v.trim(), build(v.trim().equals("fused"))));
        }
        Random rnd = new Random(1);
        for (Variant v : vs) {
            for (int i = 0; i < warmup; i++) {
                fitOne(v, rnd, null);
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (Variant v : vs) {
                Timing t = new Timing();
                long start = System.nanoTime();
                for (int i = 0; i < timed; i++) {
                    fitOne(v, rnd, t);
                }
                double ms = (System.nanoTime() - start) / 1e6 / timed;
                v.msPerIter.add(ms);
                System.out.printf(Locale.ROOT, "round %d %-6s %8.1f ms/iteration %8.0f words/s   (forward %.1f,"
                                + " output+backward+score %.1f, update %.1f, other %.1f ms)%n", r + 1, v.name, ms,
                        BATCH * STEPS * 1000.0 / ms, t.fwd / 1e6 / timed, t.bwd / 1e6 / timed, t.upd / 1e6 / timed,
                        ms - (t.fwd + t.bwd + t.upd) / 1e6 / timed);
            }
        }
        System.out.println("median over rounds:");
        for (Variant v : vs) {
            double ms = median(v.msPerIter);
            System.out.printf(Locale.ROOT, "  %-6s %8.1f ms/iteration %8.0f words/s%n", v.name, ms,
                    BATCH * STEPS * 1000.0 / ms);
        }
    }

    private static final class Variant {
        final String name;
        final MultiLayerNetwork net;
        final TimingListener listener = new TimingListener();
        final List<Double> msPerIter = new ArrayList<>();

        Variant(String name, MultiLayerNetwork net) {
            this.name = name;
            this.net = net;
            net.setListeners(listener);
        }
    }

    private static final class Timing {
        long fwd;
        long bwd;
        long upd;
    }

    /** Time stamps of the phases of one fit() call, from the listener callbacks MultiLayerNetwork makes. */
    private static final class TimingListener extends BaseTrainingListener {
        long start;
        long afterForward;
        long afterGradient;
        long end;

        @Override
        public void onForwardPass(Model model, List<INDArray> activations) {
            afterForward = System.nanoTime();
        }

        @Override
        public void onGradientCalculation(Model model) {
            afterGradient = System.nanoTime();
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            end = System.nanoTime();
        }
    }

    private static void fitOne(Variant v, Random rnd, Timing t) {
        INDArray features = Nd4j.createUninitialized(DataType.FLOAT, BATCH, 1, STEPS);
        INDArray labels = Nd4j.createUninitialized(DataType.FLOAT, BATCH, 1, STEPS);
        for (int b = 0; b < BATCH; b++) {
            for (int s = 0; s < STEPS; s++) {
                features.putScalar(b, 0, s, rnd.nextInt(VOCAB));
                labels.putScalar(b, 0, s, rnd.nextInt(VOCAB));
            }
        }
        TimingListener l = v.listener;
        l.start = System.nanoTime();
        v.net.fit(features, labels);
        if (t != null) {
            t.fwd += l.afterForward - l.start;
            t.bwd += l.afterGradient - l.afterForward;
            t.upd += l.end - l.afterGradient;
        }
    }

    /** The PTB small network with DL4J's layers or with the fused ones. */
    static MultiLayerNetwork build(boolean fused) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(42)
                .dataType(DataType.FLOAT)
                .updater(new Sgd(1.0))
                .weightInit(new WeightInitDistribution(new UniformDistribution(-0.1, 0.1)))
                .biasInit(0.0)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(VOCAB).nOut(HIDDEN).inputLength(STEPS)
                        .outputDataFormat(RNNFormat.NCW).build())
                .layer(recurrent(fused))
                .layer(recurrent(fused));
        if (fused) {
            list.layer(new SparseSoftmaxOutput.Builder().nIn(HIDDEN).nOut(VOCAB).dataFormat(RNNFormat.NCW).build());
        } else {
            list.layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.SPARSE_MCXENT)
                    .activation(Activation.SOFTMAX).nIn(HIDDEN).nOut(VOCAB).dataFormat(RNNFormat.NCW).build());
        }
        MultiLayerConfiguration conf = list.backpropType(BackpropType.TruncatedBPTT)
                .tBPTTForwardLength(STEPS).tBPTTBackwardLength(STEPS).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static Layer recurrent(boolean fused) {
        if (fused) {
            return new FusedLstm.Builder().nIn(HIDDEN).nOut(HIDDEN).activation(Activation.TANH)
                    .gateActivationFunction(Activation.SIGMOID).forgetGateBiasInit(0.0).dataFormat(RNNFormat.NCW)
                    .build();
        }
        return new LSTM.Builder().nIn(HIDDEN).nOut(HIDDEN).activation(Activation.TANH)
                .gateActivationFunction(Activation.SIGMOID).forgetGateBiasInit(0.0).dataFormat(RNNFormat.NCW).build();
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static int intArg(String[] args, String name, int def) {
        return Integer.parseInt(stringArg(args, name, Integer.toString(def)));
    }

    private static String stringArg(String[] args, String name, String def) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return def;
    }
}
