package org.rnnlab.nn.cpu;

import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.FusedSimpleRnn;
import org.rnnlab.nn.cpu.kernel.DirectArray;
import org.rnnlab.nn.cpu.kernel.RecurrentParallel;
import org.rnnlab.nn.layers.EquivalenceTestSupport;
import org.rnnlab.nn.layers.GradientCheckSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The direct per-step loops ({@link FusedLstmSteps}, {@link FusedSimpleRnnSteps}) against the layers' ND4J loops
 * (the path on other backends), with and without the Vector API kernels (layer sizes 19 and 11: full vectors and
 * remainders), on the same network and data: masks with leading padding and gaps (so the state
 * carry of masked steps runs both ways), outputs, score, all gradients, and step-by-step {@code rnnTimeStep}.
 */
class DirectLoopsEquivalenceTest extends EquivalenceTestSupport {

    @AfterEach
    void directLoopsBackOn() {
        DirectArray.enabled = true;
        DirectArray.vectorEnabled = true;
    }

    @Test
    void vectorApiIsAvailableInTheTests() {
        // surefire starts the JVM with --add-modules jdk.incubator.vector, as scripts/rnnlab does for training.
        assertTrue(DirectArray.VECTOR_API);
    }

    @Test
    void lstmFloat() {
        compare(lstm(), DataType.FLOAT, FLOAT_TOL);
    }

    @Test
    void lstmFloatWithBlocksOfRows() {
        // Nine examples: the per-step products run in blocks of four rows and a remainder row.
        compare(lstm(), DataType.FLOAT, FLOAT_TOL, 9);
    }

    @Test
    void lstmDouble() {
        compare(lstm(), DataType.DOUBLE, DOUBLE_TOL);
    }

    @Test
    void batchesSplitOverThreadsGiveTheSameResults() {
        RecurrentParallel.forcedParts = 2;
        try {
            compare(lstm(), DataType.FLOAT, FLOAT_TOL, 5);
            compare(lstm(), DataType.FLOAT, FLOAT_TOL, 9);
            compare(rnn(), DataType.DOUBLE, DOUBLE_TOL, 5);
        } finally {
            RecurrentParallel.forcedParts = 0;
        }
    }

    @Test
    void lstmSplitByUnitsGivesTheSameResults() {
        // Units 0..8 and 9..18 of the first layer, 0..4 and 5..10 of the second, meeting at a barrier each step;
        // float arrays with the Vector API split at whole panels: units 0..15 and 16..18 of the first layer, the
        // second (one panel) not split.
        RecurrentParallel.forcedUnitParts = 2;
        try {
            compare(lstm(), DataType.FLOAT, FLOAT_TOL);
            compare(lstm(), DataType.DOUBLE, DOUBLE_TOL);
        } finally {
            RecurrentParallel.forcedUnitParts = 0;
        }
    }

    @Test
    void simpleRnnFloat() {
        compare(rnn(), DataType.FLOAT, FLOAT_TOL);
    }

    @Test
    void simpleRnnDouble() {
        compare(rnn(), DataType.DOUBLE, DOUBLE_TOL);
    }

    private static Layer[] lstm() {
        return new Layer[] {
                new FusedLstm.Builder().nIn(5).nOut(19).activation(Activation.TANH).dataFormat(RNNFormat.NCW).build(),
                new FusedLstm.Builder().nIn(19).nOut(11).activation(Activation.TANH).dataFormat(RNNFormat.NCW)
                        .build()};
    }

    private static Layer[] rnn() {
        return new Layer[] {
                new FusedSimpleRnn.Builder().nIn(5).nOut(19).activation(Activation.TANH).dataFormat(RNNFormat.NCW)
                        .build(),
                new FusedSimpleRnn.Builder().nIn(19).nOut(11).activation(Activation.TANH).dataFormat(RNNFormat.NCW)
                        .build()};
    }

    private static void compare(Layer[] layers, DataType dt, double tol) {
        compare(layers, dt, tol, 3);
    }

    private static void compare(Layer[] layers, DataType dt, double tol, int mb) {
        Nd4j.setDefaultDataTypes(dt, dt);
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(7).dataType(dt).list();
        for (Layer l : layers) {
            b.layer(l);
        }
        MultiLayerConfiguration conf = b.layer(GradientCheckSupport.rnnOut(11, 3, RNNFormat.NCW)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        randomise(net, 11);

        INDArray x = input(3, dt, RNNFormat.NCW, mb, 5, 7);
        INDArray y = labels(4, dt, RNNFormat.NCW, mb, 3, 7);
        double[][] patterns = {{1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1}, {1, 1, 0, 1, 0, 1, 1}};
        double[][] rows = new double[mb][];
        for (int i = 0; i < mb; i++) {
            rows[i] = patterns[i % patterns.length];
        }
        INDArray m = Nd4j.create(rows).castTo(dt);

        Run nd4j = run(net, x, y, m, false, false);
        // Float arrays: with the Vector API kernels where the JVM has the module (surefire adds it), and without.
        for (boolean vector : new boolean[] {false, true}) {
            Run direct = run(net, x, y, m, true, vector);
            String what = vector ? "vector " : "scalar ";
            assertClose(what + "output", nd4j.output, direct.output, tol);
            assertEquals(nd4j.score, direct.score, tol * Math.abs(nd4j.score), what + "score");
            assertClose(what + "gradient", nd4j.gradient, direct.gradient, tol);
            for (int t = 0; t < 7; t++) {
                assertClose(what + "rnnTimeStep " + t, nd4j.steps[t], direct.steps[t], tol);
            }
        }
    }

    private record Run(INDArray output, double score, INDArray gradient, INDArray[] steps) {
    }

    private static Run run(MultiLayerNetwork net, INDArray x, INDArray y, INDArray m, boolean directLoops,
                           boolean vector) {
        DirectArray.enabled = directLoops;
        DirectArray.vectorEnabled = vector;
        INDArray out = net.output(x, false, m, m).dup();
        net.setInput(x);
        net.setLabels(y);
        net.setLayerMaskArrays(m, m);
        net.computeGradientAndScore();
        net.clearLayerMaskArrays();
        double score = net.score();
        INDArray grad = net.gradient().gradient().dup();
        net.rnnClearPreviousState();
        INDArray[] steps = new INDArray[(int) x.size(2)];
        for (int t = 0; t < steps.length; t++) {
            steps[t] = net.rnnTimeStep(x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t))).dup();
        }
        net.rnnClearPreviousState();
        return new Run(out, score, grad, steps);
    }
}
