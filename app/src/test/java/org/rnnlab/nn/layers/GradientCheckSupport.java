package org.rnnlab.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnnlab.nn.layers.LayerTestData.uniform;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.config.Configurator;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Scaffolding shared by the gradient-check tests ({@link FusedLstmGradientCheckTest},
 * {@link FusedSimpleRnnGradientCheckTest}, {@link GruGradientCheckTest}, {@link SparseSoftmaxOutputGradientCheckTest}),
 * which extend it: double precision for the whole test class, DL4J's {@link GradientCheckUtil} with the settings of
 * DL4J's own gradient-check tests (epsilon 1e-6, max relative error 1e-3, min absolute error 1e-8, no-op updater),
 * and, for truncated BPTT (which GradientCheckUtil cannot check: it scores from a zero state), finite differences
 * with the same thresholds of a segment's score with the carried-in state held fixed.
 */
public abstract class GradientCheckSupport {

    private static final Logger LOG = LogManager.getLogger(GradientCheckSupport.class);
    static final double EPS = 1e-6;
    static final double MAX_REL_ERROR = 1e-3;
    static final double MIN_ABS_ERROR = 1e-8;
    private static final String GC_LOGGER = GradientCheckUtil.class.getName();

    private static DataType savedDefault;
    private static DataType savedFloat;
    private static Level savedLevel;

    @BeforeAll
    public static void doublePrecision() {
        savedDefault = Nd4j.dataType();
        savedFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        // GradientCheckUtil logs its largest relative error at INFO, which the test logging config hides for DL4J.
        savedLevel = LogManager.getLogger(GC_LOGGER).getLevel();
        Configurator.setLevel(GC_LOGGER, Level.INFO);
    }

    @AfterAll
    public static void restore() {
        Nd4j.setDefaultDataTypes(savedDefault, savedFloat);
        Configurator.setLevel(GC_LOGGER, savedLevel);
    }

    /** Double precision, fixed seed, no-op updater (so that fitting cannot move the parameters), Xavier init. */
    public static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(12345).dataType(DataType.DOUBLE).updater(new NoOp())
                .weightInit(WeightInit.XAVIER);
    }

    public static RnnOutputLayer rnnOut(int nIn, int nOut, RNNFormat format) {
        return new RnnOutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).nIn(nIn).nOut(nOut)
                .dataFormat(format).build();
    }

    /**
     * Initialises the network and randomises the parameters of the layers whose configuration's {@code toString}
     * starts with {@code kind + "("} (also inside wrappers), biases included: their init is constant.
     */
    public static MultiLayerNetwork initRandomised(MultiLayerConfiguration conf, String kind) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        long seed = 42;
        for (int i = 0; i < net.getnLayers(); i++) {
            if (!conf.getConf(i).getLayer().toString().contains(kind + "(")) {
                continue;
            }
            for (Map.Entry<String, INDArray> e : net.getLayer(i).paramTable().entrySet()) {
                INDArray p = e.getValue();
                p.assign(uniform(seed++, e.getKey().endsWith("b") ? 0.5 : 0.8, p.shape()));
            }
        }
        return net;
    }

    /** DL4J's gradient check of the whole network, with this class's thresholds. */
    public static void check(String name, MultiLayerNetwork net, INDArray in, INDArray labels, INDArray fMask,
                      INDArray lMask) {
        check(name, new GradientCheckUtil.MLNConfig().net(net).input(in).labels(labels).inputMask(fMask)
                .labelMask(lMask).epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
    }

    public static void check(String name, GradientCheckUtil.MLNConfig c) {
        LOG.info("Gradient check: {} ({} parameters)", name, c.net().numParams());
        assertTrue(GradientCheckUtil.checkGradients(c), "gradient check failed: " + name);
    }

    /** Class indices [mb, 1, T] as SPARSE_MCXENT takes them. */
    public static INDArray indexLabels(long seed, int mb, int nClasses, int t) {
        Random rnd = new Random(seed);
        INDArray l = Nd4j.zeros(DataType.DOUBLE, mb, 1, t);
        for (int i = 0; i < mb; i++) {
            for (int j = 0; j < t; j++) {
                l.putScalar(i, 0, j, rnd.nextInt(nClasses));
            }
        }
        return l;
    }

    /** Mask [mb, T] from rows of 0/1. */
    public static INDArray mask(int[][] rows) {
        INDArray m = Nd4j.zeros(DataType.DOUBLE, rows.length, rows[0].length);
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < rows[i].length; j++) {
                m.putScalar(i, j, rows[i][j]);
            }
        }
        return m;
    }

    /** Time steps [from, to) of an NCW array (a view). */
    public static INDArray steps(INDArray ncw, long from, long to) {
        return ncw.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(from, to));
    }

    /** A copy of a stored-state map with copied arrays. */
    public static Map<String, INDArray> copy(Map<String, INDArray> state) {
        Map<String, INDArray> c = new HashMap<>();
        state.forEach((k, v) -> c.put(k, v.dup()));
        return c;
    }

    /** Fits {@code net} (learning rate 0) on one data set, returning the gradient of every TBPTT segment. */
    public static List<INDArray> fitCapturingGradients(MultiLayerNetwork net, INDArray in, INDArray labels) {
        List<INDArray> grads = new ArrayList<>();
        net.setListeners(new BaseTrainingListener() {
            @Override
            public void onGradientCalculation(Model model) {
                grads.add(model.gradient().gradient().dup());
            }
        });
        INDArray before = net.params().dup();
        net.fit(new DataSet(in, labels));
        net.setListeners();
        assertEquals(before, net.params(), "parameters must not change (learning rate 0)");
        return grads;
    }

    /** The recurrent layers' states after running {@code in} from a zero state. */
    public static Map<Integer, Map<String, INDArray>> statesAfter(MultiLayerNetwork net, INDArray in) {
        net.rnnClearPreviousState();
        net.rnnTimeStep(in);
        Map<Integer, Map<String, INDArray>> states = new HashMap<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            if (net.getLayer(i) instanceof RecurrentLayer) {
                states.put(i, copy(net.rnnGetPreviousState(i)));
            }
        }
        net.rnnClearPreviousState();
        return states;
    }

    /**
     * The network's own TBPTT segment score: computeGradientAndScore with the segment's input and labels and the
     * given carried-in states (null: zero state), as fit() computes it for a segment.
     */
    public static double segmentScore(MultiLayerNetwork net, Map<Integer, Map<String, INDArray>> states, INDArray in,
                               INDArray labels) {
        net.rnnClearPreviousState();
        if (states != null) {
            states.forEach((i, s) -> {
                RecurrentLayer l = (RecurrentLayer) net.getLayer(i);
                l.rnnSetPreviousState(copy(s));
                l.rnnSetTBPTTState(copy(s));
            });
        }
        net.setInput(in);
        net.setLabels(labels);
        net.computeGradientAndScore();
        net.rnnClearPreviousState();
        return net.score();
    }

    /** Outcome of comparing analytic gradients with central differences (relative error |a−n| / (|a|+|n|)). */
    public static final class FdResult {
        int checked;
        int failures;
        double maxRelError;
        double maxAbsError;

        public void assertPassed(String what) {
            assertEquals(0, failures, what + ": " + this);
        }

        @Override
        public String toString() {
            return checked + " checked, " + failures + " failed, max relative error " + maxRelError
                    + " (including entries below the absolute threshold), max absolute error " + maxAbsError;
        }
    }

    /**
     * Central differences of {@code score} w.r.t. every element of {@code values} (perturbed in place and restored),
     * times {@code scale}, against {@code analytic} (same length and element order).
     */
    public static FdResult finiteDifferences(INDArray values, INDArray analytic, double scale, DoubleSupplier score) {
        FdResult r = new FdResult();
        INDArray flat = values.reshape(values.length());
        INDArray a = analytic.reshape(analytic.length());
        for (long i = 0; i < flat.length(); i++) {
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + EPS);
            double plus = score.getAsDouble();
            flat.putScalar(i, orig - EPS);
            double minus = score.getAsDouble();
            flat.putScalar(i, orig);
            double numeric = scale * (plus - minus) / (2 * EPS);
            double an = a.getDouble(i);
            double abs = Math.abs(an - numeric);
            double rel = abs == 0 ? 0 : abs / (Math.abs(an) + Math.abs(numeric));
            r.checked++;
            if (rel > MAX_REL_ERROR && abs > MIN_ABS_ERROR) {
                r.failures++;
            }
            r.maxRelError = Math.max(r.maxRelError, rel);
            r.maxAbsError = Math.max(r.maxAbsError, abs);
        }
        return r;
    }

    /**
     * TBPTT through {@code fit()} on a network (learning rate 0, segments of {@code seg} steps, labels as class
     * indices over 3 classes, input size 3): segment k's gradient must be the derivative of segment k's score with
     * the state carried in from segment k-1 held fixed, and must differ from the derivative from a zero state.
     */
    public static void checkTbpttSegments(MultiLayerNetwork net, int seg, int mb) {
        INDArray in = uniform(31, 1.0, mb, 3, 2 * seg);
        INDArray labels = indexLabels(32, mb, 3, 2 * seg);
        List<INDArray> grads = fitCapturingGradients(net, in, labels);
        assertEquals(2, grads.size(), "one gradient per TBPTT segment");

        INDArray in1 = steps(in, 0, seg);
        INDArray in2 = steps(in, seg, 2 * seg);
        INDArray l1 = steps(labels, 0, seg);
        INDArray l2 = steps(labels, seg, 2 * seg);
        Map<Integer, Map<String, INDArray>> carried = statesAfter(net, in1);

        FdResult r1 = finiteDifferences(net.params(), grads.get(0), mb, () -> segmentScore(net, null, in1, l1));
        FdResult r2 = finiteDifferences(net.params(), grads.get(1), mb, () -> segmentScore(net, carried, in2, l2));
        LOG.info("TBPTT segment gradients ({} params): segment 1 {}; segment 2 {}", net.numParams(), r1, r2);
        r1.assertPassed("segment 1");
        r2.assertPassed("segment 2");

        // The check tells a carried state from a reset one: from a zero state, segment 2's derivatives differ.
        FdResult ifReset = finiteDifferences(net.params(), grads.get(1), mb, () -> segmentScore(net, null, in2, l2));
        assertTrue(ifReset.failures > 0, "segment 2 gradient does not depend on the carried state: " + ifReset);
    }

    /**
     * Layer-level contract of tbpttBackpropGradient (used by ComputationGraph), for the recurrent layer 0 of
     * {@code net} (nIn 3, nOut 4, NCW) started from the stored state {@code s0} (minibatch 2) whose output state is
     * under {@code outKey}: gradients flow back through the last {@code back} of 6 steps only: they are the
     * derivatives of sum(eps ⊙ output) over those steps with the state before them held fixed, and earlier steps
     * get no input gradient.
     */
    public static void checkTbpttBackpropTruncation(MultiLayerNetwork net, Map<String, INDArray> s0, String outKey) {
        int t = 6;
        int back = 2;
        int mb = 2;
        net.initGradientsView(); // normally done by the network's first backprop
        RecurrentLayer layer = (RecurrentLayer) net.getLayer(0);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = uniform(51, 1.0, mb, 3, t);
        INDArray eps = uniform(52, 1.0, mb, 4, t);

        layer.rnnSetPreviousState(s0);
        layer.rnnSetTBPTTState(s0);
        INDArray out = layer.rnnActivateUsingStoredState(x, true, true, ws).dup();
        Pair<Gradient, INDArray> g = layer.tbpttBackpropGradient(eps, back, ws);
        INDArray analytic = g.getFirst().gradient().dup();
        INDArray epsOut = g.getSecond().dup();
        assertEquals(steps(out, t - 1, t).reshape(mb, 4), layer.rnnGetTBPTTState().get(outKey),
                "TBPTT state after the pass is the last output");
        assertEquals(0.0, steps(epsOut, 0, t - back).norm2Number().doubleValue(), 0.0,
                "no input gradient before the truncation point");

        layer.rnnSetPreviousState(s0);
        layer.rnnTimeStep(steps(x, 0, t - back), ws);
        Map<String, INDArray> mid = copy(layer.rnnGetPreviousState());
        INDArray xTail = steps(x, t - back, t).dup();
        INDArray epsTail = steps(eps, t - back, t);
        DoubleSupplier score = () -> {
            layer.rnnSetPreviousState(copy(mid));
            return layer.rnnTimeStep(xTail, ws).mul(epsTail).sumNumber().doubleValue();
        };
        FdResult params = finiteDifferences(layer.params(), analytic, 1, score);
        FdResult inputs = finiteDifferences(xTail, steps(epsOut, t - back, t).dup(), 1, score);
        LOG.info("tbpttBackpropGradient (last {} of {} steps): params {}; inputs {}", back, t, params, inputs);
        params.assertPassed("truncated parameter gradient");
        inputs.assertPassed("truncated input gradient");
    }
}
