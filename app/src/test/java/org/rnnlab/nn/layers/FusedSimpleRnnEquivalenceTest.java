package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedSimpleRnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnnlab.nn.layers.GradientCheckSupport.steps;

import java.util.List;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@link FusedSimpleRnn} against DL4J's {@code SimpleRnn} with identical parameters: two stacked recurrent layers and
 * an {@code RnnOutputLayer}, built once with each layer type, the fused network given the stock network's flattened
 * parameter vector. Outputs, scores and gradients must agree to float rounding in FLOAT (relative 1e-5 of the
 * array's largest value) and to 1e-9 in DOUBLE, also with masks where the two layers' mask semantics coincide
 * (padding before or after the sequence).
 */
class FusedSimpleRnnEquivalenceTest extends EquivalenceTestSupport {

    private static final Logger LOG = LogManager.getLogger(FusedSimpleRnnEquivalenceTest.class);

    @Test
    void sameSeedGivesSameInitialParametersAndLayout() {
        MultiLayerNetwork stock = net(false, DataType.FLOAT, RNNFormat.NCW, false, WorkspaceMode.ENABLED);
        MultiLayerNetwork fused = net(true, DataType.FLOAT, RNNFormat.NCW, false, WorkspaceMode.ENABLED);
        assertInstanceOf(FusedSimpleRnnLayer.class, fused.getLayer(0));
        assertEquals(stock.numParams(), fused.numParams());
        assertEquals(stock.params(), fused.params(), "same initializer, same weight init draws");
        assertEquals(stock.paramTable().keySet(), fused.paramTable().keySet());
        for (String key : new String[] {"W", "RW", "b"}) {
            assertArrayEquals(stock.getLayer(0).getParam(key).shape(), fused.getLayer(0).getParam(key).shape(), key);
        }
        assertArrayEquals(new long[] {5, 6}, fused.getLayer(0).getParam("W").shape());
        assertArrayEquals(new long[] {6, 6}, fused.getLayer(0).getParam("RW").shape());
        assertArrayEquals(new long[] {6}, fused.getLayer(0).getParam("b").shape());
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
        compareFullSequence(pair(dt, fmt), dt, fmt, tol);
    }

    @Test
    void prePaddingAndTrailingPaddingMasksGiveSameOutputsAndGradients() {
        // DL4J's SimpleRnn zeroes output and state at masked steps, the fused layer zeroes the output and carries
        // the state. Before the first real step the state is 0 either way, and after the last one nothing reads it,
        // so outputs (all steps) and gradients agree, with and without a label mask.
        DataType dt = DataType.DOUBLE;
        Pair2 p = pair(dt, RNNFormat.NCW);
        INDArray x = input(3, dt, RNNFormat.NCW, 4, 5, 6);
        INDArray y = labels(4, dt, RNNFormat.NCW, 4, 4, 6);
        INDArray m = Nd4j.create(new double[][] {
                {1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1}, {0, 0, 0, 0, 0, 1}, {1, 1, 1, 0, 0, 0}}).castTo(dt);
        List<INDArray> aS = p.stock.feedForward(x, m, m);
        List<INDArray> aF = p.fused.feedForward(x, m, m);
        assertClose("masked layer 1 output", aS.get(1), aF.get(1), DOUBLE_TOL);
        assertClose("masked layer 2 output", aS.get(2), aF.get(2), DOUBLE_TOL);
        assertEquals(0.0, aF.get(2).mul(m.rsub(1.0).reshape(4, 1, 6)).amaxNumber().doubleValue(), 0.0,
                "outputs at masked steps are 0");
        assertGradientsClose("masked gradients, label mask", p, x, y, m, m, DOUBLE_TOL);
        assertGradientsClose("masked gradients, feature mask only", p, x, y, m, null, DOUBLE_TOL);
    }

    @Test
    void aGapInTheMaskCarriesTheStateWhereDl4jResetsIt() {
        // The documented difference: after a masked step inside a sequence, DL4J's SimpleRnn restarts from a zero
        // state, the fused layer continues from the last real step's state.
        DataType dt = DataType.DOUBLE;
        Pair2 p = pair(dt, RNNFormat.NCW);
        INDArray x = input(5, dt, RNNFormat.NCW, 1, 5, 4);
        INDArray m = Nd4j.create(new double[][] {{1, 0, 1, 1}}).castTo(dt);
        INDArray oS = p.stock.feedForward(x, m, m).get(1);
        INDArray oF = p.fused.feedForward(x, m, m).get(1);
        assertClose("before the gap", steps(oS, 0, 2), steps(oF, 0, 2), DOUBLE_TOL);
        assertTrue(relDiff(steps(oS, 2, 4), steps(oF, 2, 4)) > 1e-3, "after the gap the outputs differ");
        // The fused layer's output after the gap is that of the sequence without the masked step.
        INDArray without = Nd4j.concat(2, steps(x, 0, 1), steps(x, 2, 4));
        assertClose("gap = sequence without the step", steps(p.fused.feedForward(without, false).get(1), 1, 3),
                steps(oF, 2, 4), DOUBLE_TOL);
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
        assertClose("stored state", p.stock.rnnGetPreviousState(1).get("prevAct"),
                p.fused.rnnGetPreviousState(1).get(FusedSimpleRnnLayer.STATE_KEY_PREV_ACTIVATION), FLOAT_TOL);
        // Clearing the state starts over.
        p.fused.rnnClearPreviousState();
        INDArray first = x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0));
        assertClose("after rnnClearPreviousState", full.get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.point(0)), p.fused.rnnTimeStep(first), 1e-6);
    }

    @Test
    void tbpttForwardCarriesTheSameStateAndFirstSegmentGradientsMatch() {
        int seg = 4;
        MultiLayerNetwork stock = tbptt(net(false, DataType.FLOAT, RNNFormat.NCW, true, WorkspaceMode.ENABLED), seg);
        MultiLayerNetwork fused = tbptt(net(true, DataType.FLOAT, RNNFormat.NCW, true, WorkspaceMode.ENABLED), seg);
        // Later segments: DL4J 1.0.0-M2.1's MultiLayerNetwork calls backpropGradient, and DL4J's SimpleRnn
        // recomputes its forward pass there from a zero state, so its gradient ignores the carried state (the fused
        // layer's is checked against finite differences in FusedSimpleRnnGradientCheckTest).
        compareTbpttSegments(stock, fused, seg, "SimpleRnn");
    }

    @Test
    void trainingTrajectoryMatchesStockAndDoesNotDependOnWorkspaces() {
        // A few SGD steps with workspaces enabled: parameters stay equal to the stock network's, and to a fused
        // network trained without workspaces (which would catch arrays used after their workspace was closed or
        // reused, for example a stale forward cache).
        DataType dt = DataType.DOUBLE;
        Pair2 p = pair(dt, RNNFormat.NCW);
        MultiLayerNetwork noWs = net(true, dt, RNNFormat.NCW, false, WorkspaceMode.NONE);
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

    private static Pair2 pair(DataType dt, RNNFormat fmt) {
        Pair2 p = new Pair2();
        p.stock = net(false, dt, fmt, false, WorkspaceMode.ENABLED);
        p.fused = net(true, dt, fmt, false, WorkspaceMode.ENABLED);
        // Random biases too: their init is 0.
        randomise(p.stock, 11);
        p.fused.setParams(p.stock.params());
        return p;
    }

    private static MultiLayerNetwork net(boolean fusedLayers, DataType dt, RNNFormat fmt, boolean frozen,
                                         WorkspaceMode ws) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(123).dataType(dt).updater(new Sgd(frozen ? 0.0 : 0.5)).weightInit(WeightInit.XAVIER)
                .trainingWorkspaceMode(ws).inferenceWorkspaceMode(ws)
                .list()
                .layer(recurrent(fusedLayers, 5, 6, fmt))
                .layer(recurrent(fusedLayers, 6, 3, fmt))
                .layer(new RnnOutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).nIn(3).nOut(4)
                        .dataFormat(fmt).build())
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    private static Layer recurrent(boolean fused, int nIn, int nOut, RNNFormat fmt) {
        SimpleRnn.Builder b = fused ? new FusedSimpleRnn.Builder() : new SimpleRnn.Builder();
        // A recurrent weight init different from the input one, so that the test would notice mixed-up draws.
        return b.nIn(nIn).nOut(nOut).activation(Activation.TANH).weightInitRecurrent(WeightInit.UNIFORM)
                .dataFormat(fmt).build();
    }
}
