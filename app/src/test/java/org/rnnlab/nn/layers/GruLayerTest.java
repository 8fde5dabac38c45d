package org.rnnlab.nn.layers;

import org.rnnlab.nn.Gru;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnnlab.nn.layers.GruTestSupport.mask;
import static org.rnnlab.nn.layers.LayerTestData.oneHotNcw;
import static org.rnnlab.nn.layers.GruTestSupport.randomiseGruParams;
import static org.rnnlab.nn.layers.LayerTestData.uniform;

import java.io.File;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftSign;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Behaviour of {@link Gru}/{@link GruLayer} beyond gradients: equations, state handling, masks, serialisation. */
class GruLayerTest {

    private static final String KEY = GruLayer.STATE_KEY_PREV_ACTIVATION;

    private static NeuralNetConfiguration.Builder base(DataType dt) {
        return new NeuralNetConfiguration.Builder().seed(123).dataType(dt).updater(new Adam(0.01))
                .weightInit(WeightInit.XAVIER);
    }

    private static Gru.Builder gru(int nIn, int nOut, RNNFormat format) {
        return new Gru.Builder().nIn(nIn).nOut(nOut).dataFormat(format);
    }

    private static RnnOutputLayer rnnOut(int nIn, int nOut, RNNFormat format) {
        return new RnnOutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX)
                .nIn(nIn).nOut(nOut).dataFormat(format).build();
    }

    private static OutputLayer softmaxOut(int nIn, int nOut) {
        return new OutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).nIn(nIn).nOut(nOut).build();
    }

    private static MultiLayerNetwork net(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        randomiseGruParams(net, 7);
        return net;
    }

    private static INDArray steps(INDArray ncw, long from, long to) {
        return ncw.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(from, to));
    }

    /** Largest absolute element difference; the shapes must match. */
    private static double maxAbsDiff(INDArray a, INDArray b) {
        assertArrayEquals(a.shape(), b.shape(), "shape");
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    void builderDefaultsParameterShapesAndInitialisation() {
        Gru conf = new Gru.Builder().nIn(3).nOut(4).biasInit(0.25).weightInitRecurrent(WeightInit.ZERO).build();
        assertInstanceOf(ActivationTanH.class, conf.getActivationFn());
        assertInstanceOf(ActivationSigmoid.class, conf.getGateActivationFn());
        assertEquals(RNNFormat.NCW, conf.getRnnDataFormat());

        MultiLayerNetwork net = new MultiLayerNetwork(base(DataType.FLOAT).list()
                .layer(conf).layer(rnnOut(4, 2, RNNFormat.NCW)).build());
        net.init();
        Layer l = net.getLayer(0);
        assertEquals(3 * 12 + 4 * 12 + 24, l.numParams());
        assertEquals(List.of("W", "RW", "b"), List.copyOf(l.paramTable().keySet()));
        assertArrayEquals(new long[] {3, 12}, l.getParam("W").shape());
        assertArrayEquals(new long[] {4, 12}, l.getParam("RW").shape());
        assertArrayEquals(new long[] {1, 24}, l.getParam("b").shape());
        assertEquals(0.25, l.getParam("b").minNumber().doubleValue(), 1e-7);
        assertEquals(0.25, l.getParam("b").maxNumber().doubleValue(), 1e-7);
        assertEquals(0.0, l.getParam("RW").norm2Number().doubleValue(), 0.0, "recurrent weight init is separate");
        assertTrue(l.getParam("W").norm2Number().doubleValue() > 0.1);
    }

    @Test
    void inputTypeSetsNInAndFormat() {
        MultiLayerConfiguration conf = base(DataType.FLOAT).list()
                .layer(new Gru.Builder().nOut(4).build())
                .layer(new RnnOutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(2)
                        .dataFormat(RNNFormat.NWC).build())
                .setInputType(InputType.recurrent(3, RNNFormat.NWC))
                .build();
        Gru g = (Gru) conf.getConf(0).getLayer();
        assertEquals(3, g.getNIn());
        assertEquals(RNNFormat.NWC, g.getRnnDataFormat());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertArrayEquals(new long[] {2, 5, 2}, net.output(Nd4j.rand(DataType.FLOAT, 2, 5, 3)).shape());
    }

    @Test
    void rejectsNonElementwiseActivations() {
        MultiLayerConfiguration conf = base(DataType.FLOAT).list()
                .layer(gru(3, 4, RNNFormat.NCW).activation(Activation.SOFTMAX).build())
                .layer(rnnOut(4, 2, RNNFormat.NCW)).build();
        assertThrows(IllegalArgumentException.class, () -> new MultiLayerNetwork(conf).init());
    }

    @Test
    void oneStepMatchesHandComputedEquations() {
        int nIn = 2;
        int n = 3;
        int mb = 2;
        MultiLayerNetwork net = new MultiLayerNetwork(base(DataType.DOUBLE).list()
                .layer(gru(nIn, n, RNNFormat.NCW).build())
                .layer(rnnOut(n, 2, RNNFormat.NCW)).build());
        net.init();
        double[][] w = uniform(1, 1.0, nIn, 3 * n).toDoubleMatrix();
        double[][] rw = uniform(2, 1.0, n, 3 * n).toDoubleMatrix();
        double[] b = uniform(3, 1.0, 6 * n).toDoubleVector();
        double[][] x = uniform(4, 1.0, mb, nIn).toDoubleMatrix();
        double[][] h = uniform(5, 1.0, mb, n).toDoubleMatrix();
        GruLayer layer = (GruLayer) net.getLayer(0);
        layer.getParam("W").assign(Nd4j.create(w));
        layer.getParam("RW").assign(Nd4j.create(rw));
        layer.getParam("b").assign(Nd4j.create(b).reshape(1, 6 * n));

        layer.rnnSetPreviousState(Map.of(KEY, Nd4j.create(h)));
        INDArray out = layer.rnnTimeStep(Nd4j.create(x).reshape(mb, nIn, 1), LayerWorkspaceMgr.noWorkspaces());

        for (int i = 0; i < mb; i++) {
            for (int j = 0; j < n; j++) {
                // Blocks in gate order r, z, n; biases: input-side [0, 3n), recurrent-side [3n, 6n).
                double r = sigmoid(dot(x[i], w, j) + b[j] + dot(h[i], rw, j) + b[3 * n + j]);
                double z = sigmoid(dot(x[i], w, n + j) + b[n + j] + dot(h[i], rw, n + j) + b[4 * n + j]);
                double cand = Math.tanh(dot(x[i], w, 2 * n + j) + b[2 * n + j]
                        + r * (dot(h[i], rw, 2 * n + j) + b[5 * n + j]));
                double expected = (1 - z) * cand + z * h[i][j];
                assertEquals(expected, out.getDouble(i, j, 0), 1e-12, "example " + i + ", unit " + j);
                assertEquals(expected, layer.rnnGetPreviousState().get(KEY).getDouble(i, j), 1e-12);
            }
        }
    }

    private static double dot(double[] v, double[][] m, int col) {
        double s = 0;
        for (int k = 0; k < v.length; k++) {
            s += v[k] * m[k][col];
        }
        return s;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    @Test
    void rnnTimeStepMatchesFullSequenceNcwFloat() {
        MultiLayerNetwork net = net(base(DataType.FLOAT).list()
                .layer(gru(3, 5, RNNFormat.NCW).build())
                .layer(gru(5, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW)).build());
        INDArray x = uniform(11, 1.0, 3, 3, 7).castTo(DataType.FLOAT);
        INDArray full = net.output(x);

        net.rnnClearPreviousState();
        for (int t = 0; t < 7; t++) {
            INDArray step = net.rnnTimeStep(steps(x, t, t + 1).reshape(3, 3));
            assertEquals(2, step.rank());
            assertTrue(maxAbsDiff(steps(full, t, t + 1).reshape(3, 3), step) < 1e-6, "step " + t);
        }

        net.rnnClearPreviousState();
        INDArray chunked = Nd4j.concat(2, net.rnnTimeStep(steps(x, 0, 3)), net.rnnTimeStep(steps(x, 3, 4)),
                net.rnnTimeStep(steps(x, 4, 7)));
        assertTrue(maxAbsDiff(full, chunked) < 1e-6, "chunks of 3, 1, 3 steps");

        // The stored state is used until cleared: step 0 again gives a different output, after clearing the same.
        INDArray again = net.rnnTimeStep(steps(x, 0, 1));
        assertTrue(maxAbsDiff(steps(full, 0, 1), again) > 1e-3);
        net.rnnClearPreviousState();
        assertTrue(maxAbsDiff(steps(full, 0, 1), net.rnnTimeStep(steps(x, 0, 1))) < 1e-6);
    }

    @Test
    void rnnTimeStepMatchesFullSequenceNwcDouble() {
        MultiLayerNetwork net = net(base(DataType.DOUBLE).list()
                .layer(gru(3, 4, RNNFormat.NWC).build())
                .layer(rnnOut(4, 2, RNNFormat.NWC)).build());
        INDArray x = uniform(12, 1.0, 2, 6, 3); // [mb, T, nIn]
        INDArray full = net.output(x);
        net.rnnClearPreviousState();
        INDArray a = net.rnnTimeStep(x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2), NDArrayIndex.all()));
        INDArray b = net.rnnTimeStep(x.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 6), NDArrayIndex.all()));
        assertTrue(maxAbsDiff(full, Nd4j.concat(1, a, b)) < 1e-12);
    }

    @Test
    void rnnTimeStepRejectsChangedMinibatchSize() {
        MultiLayerNetwork net = net(base(DataType.FLOAT).list()
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 2, RNNFormat.NCW)).build());
        net.rnnTimeStep(Nd4j.rand(DataType.FLOAT, 2, 3, 1));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> net.rnnTimeStep(Nd4j.rand(DataType.FLOAT, 3, 3, 1)));
        assertTrue(e.getMessage().contains("rnnClearPreviousState"), e.getMessage());
        net.rnnClearPreviousState();
        assertEquals(3, net.rnnTimeStep(Nd4j.rand(DataType.FLOAT, 3, 3, 1)).size(0));
    }

    @Test
    void tbpttForwardCarriesStateBetweenSegments() {
        MultiLayerNetwork net = net(base(DataType.DOUBLE).list()
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .backpropType(BackpropType.TruncatedBPTT).tBPTTLength(3).build());
        INDArray seg1a = uniform(21, 1.0, 2, 3, 3);
        INDArray seg1b = uniform(22, 1.0, 2, 3, 3);
        INDArray seg2 = uniform(23, 1.0, 2, 3, 3);

        INDArray out2a = secondSegmentOutput(net, seg1a, seg2);
        INDArray out2b = secondSegmentOutput(net, seg1b, seg2);
        assertTrue(maxAbsDiff(out2a, out2b) > 1e-3, "segment 2 output must depend on segment 1 input");
        INDArray full = net.output(Nd4j.concat(2, seg1a, seg2));
        assertTrue(maxAbsDiff(steps(full, 3, 6), out2a) < 1e-12, "carried state equals the full-sequence state");

        // Without storeLastForTBPTT the stored state does not advance.
        net.rnnClearPreviousState();
        List<INDArray> p = net.rnnActivateUsingStoredState(seg1a, false, false);
        List<INDArray> q = net.rnnActivateUsingStoredState(seg1a, false, false);
        assertTrue(maxAbsDiff(p.get(2), q.get(2)) == 0.0);

        // fit() with TBPTT clears all RNN state before the first and after the last segment.
        net.fit(new DataSet(Nd4j.concat(2, seg1a, seg2), oneHotNcw(24, 2, 3, 6)));
        assertTrue(net.rnnGetPreviousState(0).isEmpty());
        assertTrue(((GruLayer) net.getLayer(0)).rnnGetTBPTTState().isEmpty());
    }

    private static INDArray secondSegmentOutput(MultiLayerNetwork net, INDArray seg1, INDArray seg2) {
        net.rnnClearPreviousState();
        net.rnnActivateUsingStoredState(seg1, false, true);
        List<INDArray> acts = net.rnnActivateUsingStoredState(seg2, false, true);
        return acts.get(acts.size() - 1);
    }

    @Test
    void maskedStepsOutputZeroAndCarryTheStateThrough() {
        MultiLayerNetwork net = net(base(DataType.DOUBLE).list()
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW)).build());
        int[][] rows = {{1, 1, 0, 1, 0, 0}, {0, 1, 1, 0, 1, 1}};
        INDArray m = mask(rows);
        INDArray x = uniform(31, 1.0, 2, 3, 6);

        INDArray gruOut = net.feedForward(x, m, null).get(1);
        GruLayer layer = (GruLayer) net.getLayer(0);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        layer.rnnClearPreviousState();
        layer.setMaskArray(m);
        INDArray stepped = layer.rnnTimeStep(x, ws);
        INDArray finalState = layer.rnnGetPreviousState().get(KEY).dup();
        assertTrue(maxAbsDiff(gruOut, stepped) < 1e-12);

        for (int i = 0; i < rows.length; i++) {
            // The masked run must equal a plain run over the unmasked steps only.
            final int ex = i;
            int[] kept = java.util.stream.IntStream.range(0, 6).filter(t -> rows[ex][t] == 1).toArray();
            INDArray compact = Nd4j.create(DataType.DOUBLE, 1, 3, kept.length);
            for (int j = 0; j < kept.length; j++) {
                compact.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(j))
                        .assign(x.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.point(kept[j])));
            }
            layer.setMaskArray(null);
            layer.rnnClearPreviousState();
            INDArray plain = layer.rnnTimeStep(compact, ws);
            for (int t = 0, j = 0; t < 6; t++) {
                INDArray o = gruOut.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.point(t));
                if (rows[i][t] == 0) {
                    assertEquals(0.0, o.amaxNumber().doubleValue(), 0.0, "masked step " + t + " outputs 0");
                } else {
                    INDArray p = plain.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(j++));
                    assertTrue(maxAbsDiff(p, o) < 1e-12, "example " + i + ", step " + t);
                }
            }
            INDArray lastUnmasked = plain.get(NDArrayIndex.point(0), NDArrayIndex.all(),
                    NDArrayIndex.point(kept.length - 1));
            assertTrue(maxAbsDiff(lastUnmasked, finalState.getRow(i)) < 1e-12,
                    "final state of example " + i + " is the state at its last unmasked step");
        }
    }

    @Test
    void cachedAndRecomputedBackpropAgree() {
        MultiLayerNetwork net = net(base(DataType.DOUBLE).list()
                .layer(gru(3, 4, RNNFormat.NWC).dropOut(1.0).build())
                .layer(rnnOut(4, 3, RNNFormat.NWC)).build());
        net.initGradientsView();
        GruLayer layer = (GruLayer) net.getLayer(0);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = uniform(41, 1.0, 2, 5, 3);
        INDArray other = uniform(42, 1.0, 2, 5, 3);
        INDArray eps = uniform(43, 1.0, 2, 5, 4);
        INDArray h0 = uniform(44, 0.8, 2, 4);
        layer.setMaskArray(mask(new int[][] {{1, 1, 1, 0, 0}, {0, 1, 1, 1, 1}}));

        layer.setInput(x, ws);
        layer.activate(true, ws); // training pass: kept for backprop
        INDArray[] cached = grads(layer.backpropGradient(eps, ws));
        layer.setInput(x, ws);
        layer.activate(false, ws); // inference pass: backprop recomputes
        INDArray[] recomputed = grads(layer.backpropGradient(eps, ws));
        assertGradsEqual(cached, recomputed);

        // A cache from another input must not be used.
        layer.setInput(other, ws);
        layer.activate(true, ws);
        layer.setInput(x, ws);
        assertGradsEqual(cached, grads(layer.backpropGradient(eps, ws)));

        // From a stored state, both paths differentiate the pass that ran, from that state.
        layer.rnnSetTBPTTState(Map.of(KEY, h0));
        layer.rnnActivateUsingStoredState(x, true, false, ws);
        INDArray[] fromStateCached = grads(layer.backpropGradient(eps, ws));
        layer.rnnActivateUsingStoredState(x, false, false, ws);
        INDArray[] fromStateRecomputed = grads(layer.backpropGradient(eps, ws));
        assertGradsEqual(fromStateCached, fromStateRecomputed);
        assertTrue(maxAbsDiff(cached[0], fromStateCached[0]) > 1e-6, "the initial state must matter");
    }

    private static INDArray[] grads(Pair<Gradient, INDArray> p) {
        return new INDArray[] {p.getFirst().gradient().dup(), p.getSecond().dup()};
    }

    private static void assertGradsEqual(INDArray[] a, INDArray[] b) {
        assertTrue(maxAbsDiff(a[0], b[0]) < 1e-13, "parameter gradients differ: " + maxAbsDiff(a[0], b[0]));
        assertTrue(maxAbsDiff(a[1], b[1]) < 1e-13, "input gradients differ: " + maxAbsDiff(a[1], b[1]));
    }

    @Test
    void workspaceModesGiveIdenticalTraining() {
        // Same training with and without workspaces: a stored state or cached buffer living in a closed workspace
        // would give different numbers (or an exception) in the ENABLED run.
        INDArray x = uniform(51, 1.0, 3, 3, 8);
        INDArray y = oneHotNcw(52, 3, 3, 8);
        INDArray m = mask(new int[][] {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0, 0, 0}, {1, 1, 0, 0, 0, 0, 0, 0}});
        MultiLayerNetwork[] nets = new MultiLayerNetwork[2];
        WorkspaceMode[] modes = {WorkspaceMode.ENABLED, WorkspaceMode.NONE};
        for (int k = 0; k < 2; k++) {
            nets[k] = net(base(DataType.DOUBLE)
                    .trainingWorkspaceMode(modes[k]).inferenceWorkspaceMode(modes[k]).cacheMode(CacheMode.NONE)
                    .list()
                    .layer(gru(3, 5, RNNFormat.NCW).build())
                    .layer(new Bidirectional(gru(5, 4, RNNFormat.NCW).build()))
                    .layer(rnnOut(8, 3, RNNFormat.NCW))
                    .build());
            DataSet ds = new DataSet(x, y, m, m);
            for (int it = 0; it < 3; it++) {
                nets[k].fit(ds);
            }
        }
        assertTrue(maxAbsDiff(nets[0].params(), nets[1].params()) < 1e-12);
        assertTrue(maxAbsDiff(nets[0].output(x, false, m, null), nets[1].output(x, false, m, null)) < 1e-12);

        MultiLayerNetwork[] tbptt = new MultiLayerNetwork[2];
        for (int k = 0; k < 2; k++) {
            tbptt[k] = net(base(DataType.DOUBLE)
                    .trainingWorkspaceMode(modes[k]).inferenceWorkspaceMode(modes[k])
                    .list()
                    .layer(gru(3, 5, RNNFormat.NCW).build())
                    .layer(gru(5, 4, RNNFormat.NCW).build())
                    .layer(rnnOut(4, 3, RNNFormat.NCW))
                    .backpropType(BackpropType.TruncatedBPTT).tBPTTLength(3).build());
            for (int it = 0; it < 3; it++) {
                tbptt[k].fit(new DataSet(x, y, m, m));
            }
        }
        assertTrue(maxAbsDiff(tbptt[0].params(), tbptt[1].params()) < 1e-12);
        for (int t = 0; t < 3; t++) {
            INDArray step = steps(x, t, t + 1);
            assertTrue(maxAbsDiff(tbptt[0].rnnTimeStep(step), tbptt[1].rnnTimeStep(step)) < 1e-12);
        }
    }

    @Test
    void externalErrorsBackpropAgreesAcrossWorkspaceModes() {
        // feedForward(true, false) keeps activations outside workspaces, so with workspaces ENABLED the GRU does not
        // cache and its backprop recomputes the forward pass in working-memory workspaces; with NONE it uses its cache.
        INDArray x = uniform(55, 1.0, 2, 3, 6);
        INDArray eps = uniform(56, 1.0, 2, 3, 6);
        INDArray[] withWs = externalErrorsBackprop(WorkspaceMode.ENABLED, x, eps);
        INDArray[] withoutWs = externalErrorsBackprop(WorkspaceMode.NONE, x, eps);
        assertGradsEqual(withWs, withoutWs);
    }

    private static INDArray[] externalErrorsBackprop(WorkspaceMode mode, INDArray x, INDArray eps) {
        MultiLayerNetwork net = net(base(DataType.DOUBLE)
                .trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode)
                .list()
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(gru(4, 3, RNNFormat.NCW).build())
                .build());
        net.setInput(x);
        net.feedForward(true, false);
        return grads(net.backpropGradient(eps, LayerWorkspaceMgr.noWorkspaces()));
    }

    @Test
    void ncwAndNwcAgree() {
        MultiLayerNetwork ncw = net(base(DataType.DOUBLE).list()
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW)).build());
        MultiLayerNetwork nwc = net(base(DataType.DOUBLE).list()
                .layer(gru(3, 4, RNNFormat.NWC).build())
                .layer(rnnOut(4, 3, RNNFormat.NWC)).build());
        nwc.setParams(ncw.params());
        INDArray x = uniform(61, 1.0, 2, 3, 5);
        INDArray y = oneHotNcw(62, 2, 3, 5);
        INDArray xT = x.permute(0, 2, 1).dup();
        INDArray yT = y.permute(0, 2, 1).dup();
        assertTrue(maxAbsDiff(ncw.output(x).permute(0, 2, 1), nwc.output(xT)) < 1e-12);
        ncw.setInput(x);
        ncw.setLabels(y);
        ncw.computeGradientAndScore();
        nwc.setInput(xT);
        nwc.setLabels(yT);
        nwc.computeGradientAndScore();
        assertTrue(maxAbsDiff(ncw.gradient().gradient(), nwc.gradient().gradient()) < 1e-12);
    }

    @Test
    void worksInComputationGraph() {
        ComputationGraph graph = new ComputationGraph(base(DataType.DOUBLE).graphBuilder()
                .addInputs("in")
                .addLayer("gru", gru(3, 4, RNNFormat.NCW).build(), "in")
                .addLayer("out", rnnOut(4, 3, RNNFormat.NCW), "gru")
                .setOutputs("out")
                .build());
        graph.init();
        INDArray x = uniform(101, 1.0, 2, 3, 5);
        INDArray y = oneHotNcw(102, 2, 3, 5);
        double before = graph.score(new DataSet(x, y));
        for (int i = 0; i < 5; i++) {
            graph.fit(new DataSet(x, y));
        }
        assertTrue(graph.score(new DataSet(x, y)) < before);
        INDArray full = graph.outputSingle(x);
        graph.rnnClearPreviousState();
        INDArray first = graph.rnnTimeStep(steps(x, 0, 2))[0];
        INDArray rest = graph.rnnTimeStep(steps(x, 2, 5))[0];
        assertTrue(maxAbsDiff(full, Nd4j.concat(2, first, rest)) < 1e-12);
    }

    @Test
    void learnsToRememberTheFirstInput() {
        // Label = sign of the first step's input; later steps are noise. Needs the recurrent state to work.
        int mb = 64;
        int t = 6;
        INDArray x = uniform(71, 1.0, mb, 1, t).castTo(DataType.FLOAT);
        INDArray y = Nd4j.zeros(DataType.FLOAT, mb, 2);
        for (int i = 0; i < mb; i++) {
            y.putScalar(i, x.getDouble(i, 0, 0) > 0 ? 1 : 0, 1.0);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(base(DataType.FLOAT).updater(new Adam(0.05)).list()
                .layer(new LastTimeStep(gru(1, 8, RNNFormat.NCW).build()))
                .layer(softmaxOut(8, 2))
                .build());
        net.init();
        DataSet ds = new DataSet(x, y);
        double initial = net.score(ds);
        for (int i = 0; i < 150; i++) {
            net.fit(ds);
        }
        double accuracy = net.evaluate(new org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator(ds)).accuracy();
        assertTrue(net.score(ds) < 0.3 * initial, "score " + initial + " -> " + net.score(ds));
        assertTrue(accuracy > 0.95, "accuracy " + accuracy);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Serialisation

    private static MultiLayerConfiguration richConfig() {
        return base(DataType.FLOAT).list()
                .layer(new Gru.Builder().name("gru-a").nIn(3).nOut(4).activation(Activation.SOFTSIGN)
                        .gateActivationFunction(Activation.HARDSIGMOID).weightInitRecurrent(WeightInit.XAVIER_UNIFORM)
                        .constrainRecurrent(new MaxNormConstraint(2.0, 1)).biasInit(0.1).dropOut(0.8).l2(1e-4)
                        .dataFormat(RNNFormat.NWC).build())
                .layer(new Bidirectional(Bidirectional.Mode.CONCAT, gru(4, 3, RNNFormat.NWC).build()))
                .layer(new LastTimeStep(gru(6, 2, RNNFormat.NWC).build()))
                .layer(softmaxOut(2, 2))
                .build();
    }

    @Test
    void jsonAndYamlRoundTrip() {
        MultiLayerConfiguration conf = richConfig();
        String json = conf.toJson();
        assertTrue(json.contains("\"@class\" : \"org.rnnlab.nn.Gru\""), json);
        MultiLayerConfiguration fromJson = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, fromJson);
        assertEquals(json, fromJson.toJson());
        assertEquals(conf, MultiLayerConfiguration.fromYaml(conf.toYaml()));

        Gru g = (Gru) fromJson.getConf(0).getLayer();
        assertInstanceOf(ActivationSoftSign.class, g.getActivationFn());
        assertInstanceOf(ActivationHardSigmoid.class, g.getGateActivationFn());
        assertEquals(RNNFormat.NWC, g.getRnnDataFormat());
        assertNotNull(g.getIDropout());
        assertEquals(1, g.getConstraints().size());
        assertEquals(java.util.Set.of("RW"), g.getConstraints().get(0).getParams());
        assertEquals(0.1, g.getBiasInit(), 0.0);

        MultiLayerNetwork a = new MultiLayerNetwork(conf);
        a.init();
        MultiLayerNetwork b = new MultiLayerNetwork(fromJson);
        b.init(a.params().dup(), true);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 5, 3);
        assertTrue(maxAbsDiff(a.output(x), b.output(x)) == 0.0);
    }

    @Test
    void modelSerializerRoundTrip(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = net(base(DataType.FLOAT).list()
                .layer(gru(3, 5, RNNFormat.NCW).build())
                .layer(gru(5, 4, RNNFormat.NCW).dropOut(0.9).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW)).build());
        INDArray x = uniform(81, 1.0, 2, 3, 6).castTo(DataType.FLOAT);
        DataSet ds = new DataSet(x, oneHotNcw(82, 2, 3, 6).castTo(DataType.FLOAT));
        net.fit(ds);
        net.fit(ds);

        File f = new File(dir, "gru.zip");
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        assertEquals(net.params(), restored.params());
        assertTrue(maxAbsDiff(net.output(x), restored.output(x)) == 0.0);
        assertTrue(maxAbsDiff(net.rnnTimeStep(x), restored.rnnTimeStep(x)) == 0.0);

        // The updater state came back too: one more identical step keeps both identical (dropout seeded alike).
        Nd4j.getRandom().setSeed(5);
        net.fit(ds);
        Nd4j.getRandom().setSeed(5);
        restored.fit(ds);
        assertTrue(maxAbsDiff(net.params(), restored.params()) == 0.0);

        File g = new File(dir, "gru2.zip");
        net.save(g, false);
        assertTrue(maxAbsDiff(net.output(x), MultiLayerNetwork.load(g, false).output(x)) == 0.0);
    }

    @Test
    void memoryReport() {
        Gru conf = new Gru.Builder().nIn(10).nOut(20).build();
        InputType in = InputType.recurrent(10, 35);
        LayerMemoryReport r = conf.getMemoryReport(in);
        assertEquals(10 * 60 + 20 * 60 + 120, r.getParameterSize());
        long inference = r.getTotalMemoryBytes(16, MemoryUseMode.INFERENCE, CacheMode.NONE, DataType.FLOAT);
        long training = r.getTotalMemoryBytes(16, MemoryUseMode.TRAINING, CacheMode.NONE, DataType.FLOAT);
        assertTrue(inference > 0 && training > inference, inference + " / " + training);

        MultiLayerConfiguration netConf = base(DataType.FLOAT).list()
                .layer(gru(10, 20, RNNFormat.NCW).build())
                .layer(rnnOut(20, 5, RNNFormat.NCW)).build();
        MemoryReport nr = netConf.getMemoryReport(in);
        assertTrue(nr.getTotalMemoryBytes(16, MemoryUseMode.TRAINING, CacheMode.NONE, DataType.FLOAT) > training);
    }

    @Test
    void lastTimeStepUsesLastUnmaskedStep() {
        MultiLayerNetwork net = net(base(DataType.DOUBLE).list()
                .layer(new LastTimeStep(gru(3, 4, RNNFormat.NCW).build()))
                .layer(softmaxOut(4, 2))
                .build());
        INDArray x = uniform(91, 1.0, 2, 3, 5);
        INDArray m = mask(new int[][] {{1, 1, 1, 0, 0}, {1, 1, 1, 1, 1}});
        INDArray withMask = net.output(x, false, m, null);
        INDArray truncated = net.output(steps(x, 0, 3).dup());
        // 1e-6, not 1e-12: with a mask, DL4J's LastTimeStep gathers the steps into an array of Nd4j's default
        // type (float here), whatever the network's type.
        assertTrue(maxAbsDiff(withMask.getRow(0), truncated.getRow(0)) < 1e-6);
        assertTrue(maxAbsDiff(withMask.getRow(0), net.output(x).getRow(0)) > 1e-6, "the mask must matter");
    }
}
