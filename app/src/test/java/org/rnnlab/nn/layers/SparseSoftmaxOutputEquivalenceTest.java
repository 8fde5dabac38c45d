package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.SparseSoftmaxOutput;
import org.rnnlab.nn.cpu.kernel.OpenBlasThreads;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@link SparseSoftmaxOutput} against DL4J's {@code RnnOutputLayer(SPARSE_MCXENT, softmax)} in otherwise identical
 * networks with identical parameters: score (with L2 regularisation), per-example scores, gradients of all
 * parameters, outputs, and a few SGD steps, with W in DL4J's column-major layout (parameter vectors
 * interchangeable) and in the row-major default. The layers below it are chosen to exercise the three ways the
 * layer reads its input: a time-major view (below a {@link FusedLstm}), a batch-major view (below an
 * {@code EmbeddingSequenceLayer} with NWC output), and a copy (below DL4J's LSTM, whose output is neither).
 */
class SparseSoftmaxOutputEquivalenceTest extends EquivalenceTestSupport {

    private static final Logger LOG = LogManager.getLogger(SparseSoftmaxOutputEquivalenceTest.class);
    private static final int VOCAB = 9;
    private static final int MB = 3;
    private static final int T = 5;

    private enum Below { FUSED_LSTM, DL4J_LSTM, EMBEDDING_NWC }

    @Test
    void belowFusedLstmFloat() {
        compare(Below.FUSED_LSTM, DataType.FLOAT, null, 1e-5);
    }

    @Test
    void belowDl4jLstmFloat() {
        compare(Below.DL4J_LSTM, DataType.FLOAT, null, 1e-5);
    }

    @Test
    void belowEmbeddingNwcFloat() {
        compare(Below.EMBEDDING_NWC, DataType.FLOAT, null, 1e-5);
    }

    @Test
    void withLabelMaskDouble() {
        INDArray m = GradientCheckSupport.mask(new int[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}, {0, 1, 1, 0, 1}});
        compare(Below.FUSED_LSTM, DataType.DOUBLE, m, 1e-10);
        compare(Below.EMBEDDING_NWC, DataType.DOUBLE, m, 1e-10);
    }

    /** Both weight layouts of the sparse layer against the stock layer. */
    private void compare(Below below, DataType dt, INDArray mask, double tol) {
        compare(below, dt, mask, tol, false);
        compare(below, dt, mask, tol, true);
    }

    private void compare(Below below, DataType dt, INDArray mask, double tol, boolean rowMajor) {
        MultiLayerNetwork stock = net(below, false, dt);
        MultiLayerNetwork sparse = net(below, true, dt, rowMajor);
        if (!rowMajor) {
            assertEquals(stock.params(), sparse.params(), "same seed, same initial parameters");
        }
        stock.params().addi(LayerTestData.uniform(5, 0.2, stock.params().shape()).castTo(dt));
        if (rowMajor) {
            assertEquals('c', sparse.getOutputLayer().getParam("W").ordering(), "row-major W");
            // Same draws, laid out the other way: the parameter vectors are not interchangeable, the matrices are.
            stock.paramTable().forEach((k, v) -> sparse.getParam(k).assign(v));
        } else {
            sparse.setParams(stock.params());
        }
        RNNFormat fmt = below == Below.EMBEDDING_NWC ? RNNFormat.NWC : RNNFormat.NCW;
        INDArray x = input(below, dt);
        INDArray y = labels(11, dt, fmt);
        INDArray m = mask == null ? null : mask.castTo(dt);
        String what = below + " " + dt + (m == null ? "" : " masked") + (rowMajor ? " row-major W" : "");

        // Output: softmax probabilities, zero at masked steps.
        assertClose(what + ": output", stock.output(x, false, null, m), sparse.output(x, false, null, m), tol);

        // Score and gradients.
        double[] scores = new double[2];
        List<Map<String, INDArray>> grads = new ArrayList<>();
        MultiLayerNetwork[] nets = {stock, sparse};
        for (int i = 0; i < 2; i++) {
            grads.add(new LinkedHashMap<>());
            scores[i] = scoreAndGradients(nets[i], x, y, m, grads.get(i));
        }
        LOG.info("{}: score {} vs {}", what, scores[0], scores[1]);
        assertEquals(scores[0], scores[1], tol * Math.abs(scores[0]), what + ": score");
        assertEquals(grads.get(0).keySet(), grads.get(1).keySet(), what + ": gradient keys");
        grads.get(0).forEach((k, g) -> assertClose(what + ": gradient " + k, g, grads.get(1).get(k), tol));

        // Score without a preceding backprop (not from the cache), and per-example scores.
        DataSet ds = new DataSet(x, y, null, m);
        assertEquals(stock.score(ds), sparse.score(ds), tol * Math.abs(scores[0]), what + ": score(DataSet)");
        assertClose(what + ": scoreExamples", stock.scoreExamples(ds, true), sparse.scoreExamples(ds, true), tol);

        // A few SGD steps keep the parameters equal.
        for (int i = 0; i < 3; i++) {
            INDArray yi = labels(20 + i, dt, fmt);
            stock.fit(new DataSet(x, yi, null, m));
            sparse.fit(new DataSet(x, yi, null, m));
        }
        stock.paramTable().forEach((k, v) -> assertClose(what + ": parameter " + k + " after 3 SGD steps", v,
                sparse.getParam(k), 10 * tol));
    }

    /**
     * The weight gradient computed in the background gives the same score, gradients and SGD steps as the sequential
     * one, and runs only where the layer reads a view of its input (not a copy); OpenBLAS has its threads back after
     * the score.
     */
    @Test
    void weightGradientInBackgroundMatchesSequential() {
        LayerTestData.withBlasThreads(2, () -> {
            INDArray m = GradientCheckSupport.mask(new int[][] {{1, 1, 1, 1, 1}, {1, 1, 0, 0, 0}, {1, 0, 1, 1, 1}});
            for (Below below : Below.values()) {
                for (boolean rowMajor : new boolean[] {true, false}) {
                    for (INDArray mask : new INDArray[] {null, m.castTo(DataType.FLOAT)}) {
                        overlapMatchesSequential(below, rowMajor, mask);
                    }
                }
            }
        });
    }

    @Test
    void noBackgroundProductWithOneBlasThread() {
        LayerTestData.withBlasThreads(1, () -> {
            MultiLayerNetwork net = net(Below.FUSED_LSTM, true, DataType.FLOAT);
            net.initGradientsView();
            SparseSoftmaxOutputLayer out = (SparseSoftmaxOutputLayer) net.getOutputLayer();
            out.setOverlapWeightGradient(true);
            LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
            out.setInput(net.feedForward(input(Below.FUSED_LSTM, DataType.FLOAT), false).get(1), ws);
            out.setLabels(labels(11, DataType.FLOAT, RNNFormat.NCW));
            out.backpropGradient(null, ws);
            assertFalse(out.weightGradientPending(), "one BLAS thread: one core, no background product");
        });
    }

    private void overlapMatchesSequential(Below below, boolean rowMajor, INDArray m) {
        DataType dt = DataType.FLOAT;
        String what = below + (rowMajor ? " row-major W" : " column-major W") + (m == null ? "" : " masked");
        MultiLayerNetwork plain = net(below, true, dt, rowMajor);
        MultiLayerNetwork overlapped = net(below, true, dt, rowMajor);
        plain.params().addi(LayerTestData.uniform(5, 0.2, plain.params().shape()).castTo(dt));
        overlapped.setParams(plain.params());
        overlapped.initGradientsView();
        SparseSoftmaxOutputLayer out = (SparseSoftmaxOutputLayer) overlapped.getOutputLayer();
        out.setOverlapWeightGradient(true);
        RNNFormat fmt = below == Below.EMBEDDING_NWC ? RNNFormat.NWC : RNNFormat.NCW;
        INDArray x = input(below, dt);

        // Layer level: the product is pending after backprop (view inputs only).
        INDArray in = overlapped.feedForward(x, false).get(1);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        out.setInput(in, ws);
        out.setLabels(labels(11, dt, fmt));
        out.setMaskArray(m);
        out.backpropGradient(null, ws);
        boolean view = below != Below.DL4J_LSTM;
        assertEquals(view, out.weightGradientPending(), what + ": background product");
        out.computeScore(0.0, true, ws);
        assertFalse(out.weightGradientPending(), what + ": pending after the score");
        assertEquals(2, OpenBlasThreads.get(), what + ": OpenBLAS threads after the score");
        out.setMaskArray(null);

        // Network level: score, gradients and three SGD steps as without it.
        MultiLayerNetwork[] nets = {plain, overlapped};
        double[] scores = new double[2];
        List<Map<String, INDArray>> grads = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            grads.add(new LinkedHashMap<>());
            scores[i] = scoreAndGradients(nets[i], x, labels(12, dt, fmt), m, grads.get(i));
            for (int s = 0; s < 3; s++) {
                nets[i].fit(new DataSet(x, labels(20 + s, dt, fmt), null, m));
            }
        }
        assertEquals(scores[0], scores[1], 1e-6 * Math.abs(scores[0]), what + ": score");
        grads.get(0).forEach((k, g) -> assertClose(what + ": gradient " + k, g, grads.get(1).get(k), 1e-5));
        plain.paramTable().forEach((k, v) -> assertClose(what + ": parameter " + k + " after 3 SGD steps", v,
                overlapped.getParam(k), 1e-5));
        assertEquals(2, OpenBlasThreads.get(), what + ": OpenBLAS threads after training");
    }

    @Test
    void scoreCachedByBackpropIsNotReusedForOtherLabels() {
        DataType dt = DataType.DOUBLE;
        MultiLayerNetwork net = net(Below.FUSED_LSTM, true, dt);
        INDArray x = input(Below.FUSED_LSTM, dt);
        INDArray y1 = labels(31, dt, RNNFormat.NCW);
        INDArray y2 = labels(32, dt, RNNFormat.NCW);
        double s1 = net.score(new DataSet(x, y1));
        double s2 = net.score(new DataSet(x, y2));
        assertTrue(Math.abs(s1 - s2) > 1e-6, "different labels should give different scores");

        net.setInput(x);
        net.setLabels(y1);
        net.computeGradientAndScore();
        assertEquals(s1, net.score(), 1e-12, "score from backprop");

        // Layer level: backprop with y1, then score with y2 on the same input must not return y1's loss.
        SparseSoftmaxOutputLayer out = (SparseSoftmaxOutputLayer) net.getOutputLayer();
        INDArray in = net.feedForward(x, false).get(1);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        out.setInput(in, ws);
        out.setLabels(y1);
        double fresh1 = out.computeScore(0.0, false, ws);
        out.setLabels(y2);
        double fresh2 = out.computeScore(0.0, false, ws);
        out.setLabels(y1);
        out.backpropGradient(null, ws);
        out.setLabels(y2);
        assertEquals(fresh2, out.computeScore(0.0, false, ws), 1e-12, "labels changed after backprop");
        // The same labels after a backprop: served from the cache, same value.
        out.setLabels(y1);
        out.backpropGradient(null, ws);
        assertEquals(fresh1, out.computeScore(0.0, false, ws), 1e-12, "cached loss");
    }

    @Test
    void rejectsOtherLossesActivationsAndBadLabels() {
        assertThrows(IllegalArgumentException.class, () -> new SparseSoftmaxOutput.Builder().nIn(2).nOut(3)
                .lossFunction(LossFunction.MCXENT).build());
        assertThrows(IllegalArgumentException.class, () -> new SparseSoftmaxOutput.Builder().nIn(2).nOut(3)
                .activation(Activation.SIGMOID).build());
        MultiLayerNetwork net = net(Below.FUSED_LSTM, true, DataType.DOUBLE);
        INDArray bad = labels(1, DataType.DOUBLE, RNNFormat.NCW);
        bad.putScalar(0, 0, 0, VOCAB); // one past the last class
        assertThrows(IllegalArgumentException.class, () -> net.score(new DataSet(input(Below.FUSED_LSTM,
                DataType.DOUBLE), bad)));
    }

    // ---------------------------------------------------------------------------------------------------------

    /** One computeGradientAndScore on (x, y) with label mask m: returns the score, copies the gradients into g. */
    private static double scoreAndGradients(MultiLayerNetwork net, INDArray x, INDArray y, INDArray m,
                                            Map<String, INDArray> g) {
        net.setInput(x);
        net.setLabels(y);
        net.setLayerMaskArrays(null, m);
        net.computeGradientAndScore();
        net.gradient().gradientForVariable().forEach((k, v) -> g.put(k, v.dup()));
        net.clearLayerMaskArrays();
        return net.score();
    }

    private static MultiLayerNetwork net(Below below, boolean sparse, DataType dt) {
        return net(below, sparse, dt, true);
    }

    private static MultiLayerNetwork net(Below below, boolean sparse, DataType dt, boolean rowMajor) {
        RNNFormat fmt = below == Below.EMBEDDING_NWC ? RNNFormat.NWC : RNNFormat.NCW;
        Layer first;
        switch (below) {
            case FUSED_LSTM:
                first = new FusedLstm.Builder().nIn(4).nOut(6).activation(Activation.TANH).build();
                break;
            case DL4J_LSTM:
                first = new LSTM.Builder().nIn(4).nOut(6).activation(Activation.TANH).build();
                break;
            default:
                first = new EmbeddingSequenceLayer.Builder().nIn(VOCAB).nOut(6).inputLength(T)
                        .outputDataFormat(RNNFormat.NWC).build();
        }
        Layer out = sparse
                ? new SparseSoftmaxOutput.Builder().nIn(6).nOut(VOCAB).dataFormat(fmt).rowMajorWeights(rowMajor).build()
                : new RnnOutputLayer.Builder(LossFunction.SPARSE_MCXENT).activation(Activation.SOFTMAX).nIn(6)
                        .nOut(VOCAB).dataFormat(fmt).build();
        MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(7).dataType(dt).updater(new Sgd(0.3)).weightInit(WeightInit.XAVIER).l2(1e-3)
                .list().layer(first).layer(out).build());
        n.init();
        return n;
    }

    private static INDArray input(Below below, DataType dt) {
        if (below == Below.EMBEDDING_NWC) {
            return GradientCheckSupport.indexLabels(3, MB, VOCAB, T).reshape(MB, T).castTo(dt);
        }
        return LayerTestData.uniform(3, 1.0, MB, 4, T).castTo(dt);
    }

    /** Class indices, [mb, 1, T] (NCW) or [mb, T, 1] (NWC). */
    private static INDArray labels(long seed, DataType dt, RNNFormat fmt) {
        INDArray l = GradientCheckSupport.indexLabels(seed, MB, VOCAB, T).castTo(dt);
        return fmt == RNNFormat.NWC ? l.permute(0, 2, 1).dup() : l;
    }
}
