package org.rnnlab.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@link FusedLstm} against DL4J's {@code LSTM} with identical parameters: two stacked recurrent layers and an
 * {@code RnnOutputLayer}, built once with each layer type, the fused network given the stock network's flattened
 * parameter vector. Outputs, scores and gradients must agree to float rounding in FLOAT (relative 1e-5 of the
 * array's largest value) and to 1e-9 in DOUBLE.
 */
class FusedLstmEquivalenceTest {

    private static final Logger LOG = LogManager.getLogger(FusedLstmEquivalenceTest.class);
    static final double FLOAT_TOL = 1e-5;
    static final double DOUBLE_TOL = 1e-9;

    private static DataType savedDefault;
    private static DataType savedFloat;

    @BeforeAll
    static void saveTypes() {
        savedDefault = Nd4j.dataType();
        savedFloat = Nd4j.defaultFloatingPointType();
    }

    @AfterAll
    static void restoreTypes() {
        Nd4j.setDefaultDataTypes(savedDefault, savedFloat);
    }

    @Test
    void sameSeedGivesSameInitialParameters() {
        MultiLayerNetwork stock = net(false, DataType.FLOAT, RNNFormat.NCW, 1.0, false);
        MultiLayerNetwork fused = net(true, DataType.FLOAT, RNNFormat.NCW, 1.0, false);
        assertEquals(stock.numParams(), fused.numParams());
        assertEquals(stock.params(), fused.params(), "same weight init draws, same forget gate bias");
        for (String key : new String[] {"W", "RW", "b"}) {
            assertEquals(stock.getLayer(0).getParam(key).length(), fused.getLayer(0).getParam(key).length(), key);
        }
    }

    @Test
    void forwardAndGradientsNcwFloat() {
        compareFullSequence(DataType.FLOAT, RNNFormat.NCW, FLOAT_TOL);
    }

    @Test
    void forwardAndGradientsNwcFloat() {
        compareFullSequence(DataType.FLOAT, RNNFormat.NWC, FLOAT_TOL);
    }

    @Test
    void forwardAndGradientsNcwDouble() {
        compareFullSequence(DataType.DOUBLE, RNNFormat.NCW, DOUBLE_TOL);
    }

    private void compareFullSequence(DataType dt, RNNFormat fmt, double tol) {
        Pair2 p = pair(dt, fmt);
        INDArray x = input(1, dt, fmt, 3, 5, 7);
        INDArray y = labels(2, dt, fmt, 3, 4, 7);

        assertClose("output " + dt + " " + fmt, p.stock.output(x), p.fused.output(x), tol);
        List<INDArray> aS = p.stock.feedForward(x, false);
        List<INDArray> aF = p.fused.feedForward(x, false);
        assertClose("layer 1 activations", aS.get(1), aF.get(1), tol);
        assertClose("layer 2 activations", aS.get(2), aF.get(2), tol);

        assertGradientsClose("gradients " + dt + " " + fmt, p, x, y, null, tol);
    }

    @Test
    void trailingPaddingMasksGiveSameOutputsAndGradients() {
        // DL4J's LSTM ignores the feature mask in a MultiLayerNetwork (it leaves masking to the output layer); the
        // fused layer zeroes masked outputs and keeps the state. For trailing padding that changes nothing at
        // real steps, and the label mask removes the padded steps from score and gradients.
        DataType dt = DataType.FLOAT;
        Pair2 p = pair(dt, RNNFormat.NCW);
        INDArray x = input(3, dt, RNNFormat.NCW, 3, 5, 6);
        INDArray y = labels(4, dt, RNNFormat.NCW, 3, 4, 6);
        INDArray m = Nd4j.create(new double[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}, {1, 1, 0, 0, 0, 0}})
                .castTo(dt);
        INDArray oS = p.stock.output(x, false, m, m);
        INDArray oF = p.fused.output(x, false, m, m);
        assertClose("masked output", oS.mul(m.reshape(3, 1, 6)), oF, FLOAT_TOL);
        assertGradientsClose("masked gradients", p, x, y, m, FLOAT_TOL);
    }

    @Test
    void rnnTimeStepMatchesStockAndFullSequence() {
        DataType dt = DataType.FLOAT;
        Pair2 p = pair(dt, RNNFormat.NCW);
        INDArray x = input(5, dt, RNNFormat.NCW, 2, 5, 6);
        INDArray full = p.fused.output(x);

        p.stock.rnnClearPreviousState();
        p.fused.rnnClearPreviousState();
        for (int t = 0; t < 6; t++) {
            // Single steps as [mb, nIn] (2d), the form a sampler uses.
            INDArray step = x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t));
            INDArray s = p.stock.rnnTimeStep(step);
            INDArray f = p.fused.rnnTimeStep(step);
            assertClose("rnnTimeStep step " + t, s, f, FLOAT_TOL);
            assertClose("rnnTimeStep vs full sequence, step " + t,
                    full.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t)), f, 1e-6);
        }
        // Then a multi-step chunk continuing from the stored state.
        INDArray more = input(6, dt, RNNFormat.NCW, 2, 5, 3);
        assertClose("rnnTimeStep chunk after steps", p.stock.rnnTimeStep(more), p.fused.rnnTimeStep(more), FLOAT_TOL);
        assertClose("stored output state", p.stock.rnnGetPreviousState(1).get("prevAct"),
                p.fused.rnnGetPreviousState(1).get(FusedLstmLayer.STATE_KEY_PREV_ACTIVATION), FLOAT_TOL);
        assertClose("stored cell state", p.stock.rnnGetPreviousState(1).get("prevMem"),
                p.fused.rnnGetPreviousState(1).get(FusedLstmLayer.STATE_KEY_PREV_MEMCELL), FLOAT_TOL);
    }

    @Test
    void tbpttForwardCarriesTheSameStateAndFirstSegmentGradientsMatch() {
        DataType dt = DataType.FLOAT;
        int seg = 4;
        MultiLayerNetwork stock = tbptt(net(false, dt, RNNFormat.NCW, 1.0, true), seg);
        MultiLayerNetwork fused = tbptt(net(true, dt, RNNFormat.NCW, 1.0, true), seg);
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
        // Later segments: DL4J 1.0.0-M2.1's MultiLayerNetwork calls backpropGradient, and DL4J's LSTM recomputes
        // its forward pass there from a zero state, so its gradient ignores the carried state (the fused layer's
        // is checked against finite differences in FusedLstmGradientCheckTest). If DL4J fixes this, this fails:
        // then the two should agree for all segments.
        double diff = relDiff(gS.get(1), gF.get(1));
        LOG.info("TBPTT segment 1 gradient, stock LSTM vs fused: relative difference {}", diff);
        assertTrue(diff > 1e-2, "stock LSTM TBPTT gradients now use the carried state (difference " + diff + ")");
    }

    @Test
    void trainingTrajectoryMatchesStockAndDoesNotDependOnWorkspaces() {
        // A few SGD steps of standard BPTT with workspaces enabled: parameters stay equal to the stock network's,
        // and to a fused network trained without workspaces (which would catch arrays used after their workspace
        // was closed or reused).
        DataType dt = DataType.DOUBLE;
        Pair2 p = pair(dt, RNNFormat.NCW);
        MultiLayerNetwork noWs = new MultiLayerNetwork(conf(true, dt, RNNFormat.NCW, 1.0, false,
                WorkspaceMode.NONE));
        noWs.init();
        noWs.setParams(p.fused.params());
        for (int i = 0; i < 4; i++) {
            INDArray x = input(20 + i, dt, RNNFormat.NCW, 3, 5, 6);
            INDArray y = labels(40 + i, dt, RNNFormat.NCW, 3, 4, 6);
            p.stock.fit(x, y);
            p.fused.fit(x, y);
            noWs.fit(x, y);
        }
        assertClose("parameters after 4 SGD steps, stock vs fused", p.stock.params(), p.fused.params(), DOUBLE_TOL);
        assertEquals(p.fused.params(), noWs.params(), "workspaces must not change results");
    }

    // ---------------------------------------------------------------------------------------------------------

    private static final class Pair2 {
        MultiLayerNetwork stock;
        MultiLayerNetwork fused;
    }

    private static Pair2 pair(DataType dt, RNNFormat fmt) {
        Pair2 p = new Pair2();
        p.stock = net(false, dt, fmt, 1.0, false);
        p.fused = net(true, dt, fmt, 1.0, false);
        // Random biases too: the default init leaves all but the forget gate's at 0.
        randomise(p.stock, 11);
        p.fused.setParams(p.stock.params());
        return p;
    }

    private static MultiLayerNetwork net(boolean fusedLayers, DataType dt, RNNFormat fmt, double forgetBias,
                                         boolean tbptt) {
        MultiLayerNetwork n = new MultiLayerNetwork(conf(fusedLayers, dt, fmt, forgetBias, tbptt,
                WorkspaceMode.ENABLED));
        n.init();
        return n;
    }

    private static MultiLayerConfiguration conf(boolean fusedLayers, DataType dt, RNNFormat fmt, double forgetBias,
                                                boolean frozen, WorkspaceMode ws) {
        return new NeuralNetConfiguration.Builder()
                .seed(123).dataType(dt).updater(new Sgd(frozen ? 0.0 : 0.5)).weightInit(WeightInit.XAVIER)
                .trainingWorkspaceMode(ws).inferenceWorkspaceMode(ws)
                .list()
                .layer(recurrent(fusedLayers, 5, 6, fmt, forgetBias))
                .layer(recurrent(fusedLayers, 6, 3, fmt, forgetBias))
                .layer(new RnnOutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).nIn(3).nOut(4)
                        .dataFormat(fmt).build())
                .build();
    }

    private static Layer recurrent(boolean fused, int nIn, int nOut, RNNFormat fmt, double forgetBias) {
        if (fused) {
            return new FusedLstm.Builder().nIn(nIn).nOut(nOut).activation(Activation.TANH)
                    .gateActivationFunction(Activation.SIGMOID).forgetGateBiasInit(forgetBias).dataFormat(fmt)
                    .build();
        }
        return new LSTM.Builder().nIn(nIn).nOut(nOut).activation(Activation.TANH)
                .gateActivationFunction(Activation.SIGMOID).forgetGateBiasInit(forgetBias).dataFormat(fmt).build();
    }

    private static MultiLayerNetwork tbptt(MultiLayerNetwork n, int seg) {
        MultiLayerConfiguration c = n.getLayerWiseConfigurations().clone();
        c.setBackpropType(BackpropType.TruncatedBPTT);
        c.setTbpttFwdLength(seg);
        c.setTbpttBackLength(seg);
        MultiLayerNetwork t = new MultiLayerNetwork(c);
        t.init();
        return t;
    }

    static void randomise(MultiLayerNetwork n, long seed) {
        INDArray p = n.params();
        Random r = new Random(seed);
        for (long i = 0; i < p.length(); i++) {
            p.putScalar(i, (2 * r.nextDouble() - 1) * 0.6);
        }
    }

    static INDArray input(long seed, DataType dt, RNNFormat fmt, int mb, int nIn, int t) {
        INDArray x = LayerTestData.uniform(seed, 1.0, mb, nIn, t).castTo(dt);
        return fmt == RNNFormat.NWC ? x.permute(0, 2, 1).dup() : x;
    }

    static INDArray labels(long seed, DataType dt, RNNFormat fmt, int mb, int nOut, int t) {
        INDArray y = LayerTestData.oneHotNcw(seed, mb, nOut, t).castTo(dt);
        return fmt == RNNFormat.NWC ? y.permute(0, 2, 1).dup() : y;
    }

    private static INDArray steps(INDArray ncw, long from, long to) {
        return ncw.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(from, to));
    }

    private static void assertGradientsClose(String what, Pair2 p, INDArray x, INDArray y, INDArray mask,
                                             double tol) {
        for (MultiLayerNetwork n : new MultiLayerNetwork[] {p.stock, p.fused}) {
            n.setInput(x);
            n.setLabels(y);
            n.setLayerMaskArrays(mask, mask);
            n.computeGradientAndScore();
            n.clearLayerMaskArrays();
        }
        double sS = p.stock.score();
        double sF = p.fused.score();
        assertEquals(sS, sF, tol * Math.abs(sS), what + ": score");
        assertClose(what, p.stock.gradient().gradient(), p.fused.gradient().gradient(), tol);
        // Per layer too, so that a failure names the parameter.
        p.stock.gradient().gradientForVariable().forEach((k, g) ->
                assertClose(what + " [" + k + "]", g, p.fused.gradient().getGradientFor(k), tol));
    }

    private static List<INDArray> fitCapturingGradients(MultiLayerNetwork net, INDArray in, INDArray labels) {
        List<INDArray> grads = new ArrayList<>();
        net.setListeners(new BaseTrainingListener() {
            @Override
            public void onGradientCalculation(Model model) {
                grads.add(model.gradient().gradient().dup());
            }
        });
        net.fit(new DataSet(in, labels));
        net.setListeners();
        return grads;
    }

    /** max |a − b| / max |a|. */
    static double relDiff(INDArray expected, INDArray actual) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        INDArray a = actual.castTo(DataType.DOUBLE);
        assertEquals(java.util.Arrays.toString(e.shape()), java.util.Arrays.toString(a.shape()), "shapes");
        double scale = Math.max(e.amaxNumber().doubleValue(), 1e-30);
        return e.sub(a).amaxNumber().doubleValue() / scale;
    }

    static void assertClose(String what, INDArray expected, INDArray actual, double tol) {
        double d = relDiff(expected, actual);
        LOG.info("{}: relative difference {}", what, d);
        assertTrue(d <= tol, what + ": relative difference " + d + " > " + tol);
    }
}
