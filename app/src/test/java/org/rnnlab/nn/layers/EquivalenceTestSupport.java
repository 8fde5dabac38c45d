package org.rnnlab.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnnlab.nn.layers.GradientCheckSupport.fitCapturingGradients;
import static org.rnnlab.nn.layers.GradientCheckSupport.steps;

import java.util.List;
import java.util.Random;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scaffolding shared by the tests that compare a layer with its DL4J counterpart ({@link FusedLstmEquivalenceTest},
 * {@link FusedSimpleRnnEquivalenceTest}, {@link SparseSoftmaxOutputEquivalenceTest}), which extend it: the default
 * data types restored after the class, a stock and a fused network with the same parameters, their scores and
 * gradients compared, and arrays compared relative to their largest value.
 */
public abstract class EquivalenceTestSupport {

    private static final Logger LOG = LogManager.getLogger(EquivalenceTestSupport.class);
    public static final double FLOAT_TOL = 1e-5;
    public static final double DOUBLE_TOL = 1e-9;

    private static DataType savedDefault;
    private static DataType savedFloat;

    @BeforeAll
    public static void saveTypes() {
        savedDefault = Nd4j.dataType();
        savedFloat = Nd4j.defaultFloatingPointType();
    }

    @AfterAll
    public static void restoreTypes() {
        Nd4j.setDefaultDataTypes(savedDefault, savedFloat);
    }

    /** The same network built with DL4J's layers and with the project's, the fused one given the stock parameters. */
    public static final class Pair2 {
        MultiLayerNetwork stock;
        MultiLayerNetwork fused;
    }

    /**
     * Outputs, the activations of layers 1 and 2, score and gradients of the pair (input size 5, 4 classes) on one
     * unmasked batch of full sequences must agree, relative to {@code tol}.
     */
    public static void compareFullSequence(Pair2 p, DataType dt, RNNFormat fmt, double tol) {
        INDArray x = input(1, dt, fmt, 3, 5, 7);
        INDArray y = labels(2, dt, fmt, 3, 4, 7);

        assertClose("output " + dt + " " + fmt, p.stock.output(x), p.fused.output(x), tol);
        List<INDArray> aS = p.stock.feedForward(x, false);
        List<INDArray> aF = p.fused.feedForward(x, false);
        assertClose("layer 1 activations", aS.get(1), aF.get(1), tol);
        assertClose("layer 2 activations", aS.get(2), aF.get(2), tol);

        assertGradientsClose("gradients " + dt + " " + fmt, p, x, y, null, null, tol);
    }

    /**
     * Truncated BPTT (FLOAT; input size 5, 4 classes, 3 segments of {@code seg} steps) of a stock and a fused network
     * with learning rate 0, given the same random parameters here: the forward passes carry the same state from
     * segment to segment, and fit()'s gradient of the first segment (from a zero state in both) agrees. For later
     * segments the stock layer ({@code stockName}) ignores the carried state in DL4J 1.0.0-M2.1; if DL4J fixes this,
     * this fails: then the two should agree for all segments.
     */
    public static void compareTbpttSegments(MultiLayerNetwork stock, MultiLayerNetwork fused, int seg, String stockName) {
        DataType dt = DataType.FLOAT;
        randomise(stock, 7);
        fused.setParams(stock.params());
        INDArray x = input(8, dt, RNNFormat.NCW, 3, 5, 3 * seg);
        INDArray y = labels(9, dt, RNNFormat.NCW, 3, 4, 3 * seg);

        // Segment by segment as fit() runs them: forward from the stored state, then hand the state on.
        stock.rnnClearPreviousState();
        fused.rnnClearPreviousState();
        for (int s = 0; s < 3; s++) {
            INDArray xs = steps(x, s * seg, (s + 1) * seg);
            List<INDArray> aS = stock.rnnActivateUsingStoredState(xs, true, true);
            List<INDArray> aF = fused.rnnActivateUsingStoredState(xs, true, true);
            for (int l = 1; l < aS.size(); l++) {
                assertClose("TBPTT segment " + s + " layer " + l, aS.get(l), aF.get(l), FLOAT_TOL);
            }
            stock.updateRnnStateWithTBPTTState();
            fused.updateRnnStateWithTBPTTState();
        }

        // Gradients of fit() per segment. The first segment starts from a zero state in both.
        List<INDArray> gS = fitCapturingGradients(stock, x, y);
        List<INDArray> gF = fitCapturingGradients(fused, x, y);
        assertEquals(3, gS.size());
        assertEquals(3, gF.size());
        assertClose("TBPTT segment 0 gradient", gS.get(0), gF.get(0), FLOAT_TOL);
        double diff = relDiff(gS.get(1), gF.get(1));
        LOG.info("TBPTT segment 1 gradient, stock {} vs fused: relative difference {}", stockName, diff);
        assertTrue(diff > 1e-2, "stock " + stockName + " TBPTT gradients now use the carried state (difference "
                + diff + ")");
    }

    /** A copy of the network's configuration with truncated BPTT in segments of {@code seg} steps. */
    public static MultiLayerNetwork tbptt(MultiLayerNetwork n, int seg) {
        MultiLayerConfiguration c = n.getLayerWiseConfigurations().clone();
        c.setBackpropType(BackpropType.TruncatedBPTT);
        c.setTbpttFwdLength(seg);
        c.setTbpttBackLength(seg);
        MultiLayerNetwork t = new MultiLayerNetwork(c);
        t.init();
        return t;
    }

    /** All parameters uniform in [-0.6, 0.6], reproducible from the seed. */
    public static void randomise(MultiLayerNetwork n, long seed) {
        INDArray p = n.params();
        Random r = new Random(seed);
        for (long i = 0; i < p.length(); i++) {
            p.putScalar(i, (2 * r.nextDouble() - 1) * 0.6);
        }
    }

    public static INDArray input(long seed, DataType dt, RNNFormat fmt, int mb, int nIn, int t) {
        INDArray x = LayerTestData.uniform(seed, 1.0, mb, nIn, t).castTo(dt);
        return fmt == RNNFormat.NWC ? x.permute(0, 2, 1).dup() : x;
    }

    public static INDArray labels(long seed, DataType dt, RNNFormat fmt, int mb, int nOut, int t) {
        INDArray y = LayerTestData.oneHotNcw(seed, mb, nOut, t).castTo(dt);
        return fmt == RNNFormat.NWC ? y.permute(0, 2, 1).dup() : y;
    }

    /**
     * Scores and gradients of both networks on the same data (masks may be null) must agree, relative to
     * {@code tol}; also per parameter, so that a failure names it.
     */
    public static void assertGradientsClose(String what, Pair2 p, INDArray x, INDArray y, INDArray fMask, INDArray lMask,
                                     double tol) {
        for (MultiLayerNetwork n : new MultiLayerNetwork[] {p.stock, p.fused}) {
            n.setInput(x);
            n.setLabels(y);
            n.setLayerMaskArrays(fMask, lMask);
            n.computeGradientAndScore();
            n.clearLayerMaskArrays();
        }
        double sS = p.stock.score();
        double sF = p.fused.score();
        assertEquals(sS, sF, tol * Math.abs(sS), what + ": score");
        assertClose(what, p.stock.gradient().gradient(), p.fused.gradient().gradient(), tol);
        p.stock.gradient().gradientForVariable().forEach((k, g) ->
                assertClose(what + " [" + k + "]", g, p.fused.gradient().getGradientFor(k), tol));
    }

    /** max |a − b| / max |a|. */
    public static double relDiff(INDArray expected, INDArray actual) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        INDArray a = actual.castTo(DataType.DOUBLE);
        assertEquals(java.util.Arrays.toString(e.shape()), java.util.Arrays.toString(a.shape()), "shapes");
        double scale = Math.max(e.amaxNumber().doubleValue(), 1e-30);
        return e.sub(a).amaxNumber().doubleValue() / scale;
    }

    public static void assertClose(String what, INDArray expected, INDArray actual, double tol) {
        double d = relDiff(expected, actual);
        LOG.info("{}: relative difference {}", what, d);
        assertTrue(d <= tol, what + ": relative difference " + d + " > " + tol);
    }
}
