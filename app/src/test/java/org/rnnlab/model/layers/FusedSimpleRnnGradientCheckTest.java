package org.rnnlab.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.EPS;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.MAX_REL_ERROR;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.MIN_ABS_ERROR;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.check;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.copy;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.finiteDifferences;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.fitCapturingGradients;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.indexLabels;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.mask;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.segmentScore;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.statesAfter;
import static org.rnnlab.model.layers.FusedLstmGradientCheckTest.steps;
import static org.rnnlab.model.layers.LayerTestData.oneHot2d;
import static org.rnnlab.model.layers.LayerTestData.oneHotNcw;
import static org.rnnlab.model.layers.LayerTestData.uniform;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.config.Configurator;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@link FusedSimpleRnn} backprop gradients against central finite differences in double precision, with the
 * scaffolding and thresholds of {@link FusedLstmGradientCheckTest}: DL4J's {@link GradientCheckUtil} for whole
 * networks (single, stacked, masked, inside Bidirectional and LastTimeStep, with input dropout), and, for truncated
 * BPTT (which GradientCheckUtil cannot check: it scores from a zero state), finite differences of the segment score
 * with the carried-in state held fixed.
 */
class FusedSimpleRnnGradientCheckTest {

    private static final Logger LOG = LogManager.getLogger(FusedSimpleRnnGradientCheckTest.class);
    private static final String GC_LOGGER = GradientCheckUtil.class.getName();

    private static DataType savedDefault;
    private static DataType savedFloat;
    private static Level savedLevel;

    @BeforeAll
    static void doublePrecision() {
        savedDefault = Nd4j.dataType();
        savedFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        savedLevel = LogManager.getLogger(GC_LOGGER).getLevel();
        Configurator.setLevel(GC_LOGGER, Level.INFO);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(savedDefault, savedFloat);
        Configurator.setLevel(GC_LOGGER, savedLevel);
    }

    // ---------------------------------------------------------------------------------------------------------
    // GradientCheckUtil cases

    @Test
    void singleLayerNcw() {
        MultiLayerNetwork net = init(base().list()
                .layer(rnn(3, 4, RNNFormat.NCW))
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .build());
        check("FusedSimpleRnn + RnnOutputLayer, NCW", net, uniform(1, 1.0, 2, 3, 5), oneHotNcw(2, 2, 3, 5), null,
                null);
    }

    @Test
    void singleLayerNwc() {
        MultiLayerNetwork net = init(base().list()
                .layer(rnn(4, 3, RNNFormat.NWC))
                .layer(rnnOut(3, 3, RNNFormat.NWC))
                .build());
        INDArray labels = oneHotNcw(4, 3, 3, 6).permute(0, 2, 1).dup();
        check("FusedSimpleRnn + RnnOutputLayer, NWC", net, uniform(3, 1.0, 3, 6, 4), labels, null, null);
    }

    @Test
    void stackedFeedingSparseSoftmaxOutput() {
        // Layer 2 reads layer 1's time-major output without a copy, the output layer reads layer 2's.
        MultiLayerNetwork net = init(base().list()
                .layer(rnn(3, 4, RNNFormat.NCW))
                .layer(rnn(4, 5, RNNFormat.NCW))
                .layer(new SparseSoftmaxOutput.Builder().nIn(5).nOut(4).build())
                .build());
        check("2 stacked FusedSimpleRnn + SparseSoftmaxOutput", net, uniform(5, 1.0, 3, 3, 4),
                indexLabels(6, 3, 4, 4), null, null);
    }

    @Test
    void stackedWithOtherActivations() {
        // Sigmoid takes its derivative from the stored states; softsign has no such shortcut and uses the kept
        // pre-activations.
        MultiLayerNetwork net = init(base().list()
                .layer(rnn(3, 4, RNNFormat.NCW, Activation.SIGMOID))
                .layer(rnn(4, 3, RNNFormat.NCW, Activation.SOFTSIGN))
                .layer(rnnOut(3, 2, RNNFormat.NCW))
                .build());
        check("2 stacked FusedSimpleRnn (sigmoid; softsign)", net, uniform(7, 1.0, 2, 3, 5), oneHotNcw(8, 2, 2, 5),
                null, null);
    }

    @Test
    void masksWithLeadingPaddingAndGapsNwc() {
        // Masked steps before and between real ones: the state passes through them unchanged.
        MultiLayerNetwork net = init(base().list()
                .layer(rnn(3, 4, RNNFormat.NWC))
                .layer(rnn(4, 3, RNNFormat.NWC))
                .layer(rnnOut(3, 3, RNNFormat.NWC))
                .build());
        INDArray m = mask(new int[][] {{0, 0, 1, 1, 1}, {1, 0, 1, 0, 1}, {1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}});
        INDArray labels = oneHotNcw(12, 4, 3, 5).permute(0, 2, 1).dup();
        check("masks with leading padding, gaps and trailing padding, NWC", net, uniform(11, 1.0, 4, 5, 3), labels,
                m, m);
    }

    @Test
    void featureMaskWithoutLabelMask() {
        // Outputs at masked steps are 0 and still receive loss gradients: those must not reach the parameters.
        MultiLayerNetwork net = init(base().list()
                .layer(rnn(3, 4, RNNFormat.NCW))
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .build());
        INDArray m = mask(new int[][] {{1, 1, 0, 1}, {0, 1, 1, 0}});
        check("feature mask only", net, uniform(13, 1.0, 2, 3, 4), oneHotNcw(14, 2, 3, 4), m, null);
    }

    @Test
    void bidirectionalConcatWithPrePaddingMask() {
        MultiLayerNetwork net = init(base().list()
                .layer(new Bidirectional(Bidirectional.Mode.CONCAT, rnn(3, 3, RNNFormat.NCW)))
                .layer(rnnOut(6, 3, RNNFormat.NCW))
                .build());
        INDArray m = mask(new int[][] {{1, 1, 1, 1, 1}, {0, 0, 1, 1, 1}});
        check("Bidirectional(CONCAT), masked", net, uniform(15, 1.0, 2, 3, 5), oneHotNcw(16, 2, 3, 5), m, m);
    }

    @Test
    void bidirectionalAddNwc() {
        // ADD hands the same epsilon array to both directions: the layer must not modify it in place.
        MultiLayerNetwork net = init(base().list()
                .layer(new Bidirectional(Bidirectional.Mode.ADD, rnn(3, 4, RNNFormat.NWC)))
                .layer(rnnOut(4, 3, RNNFormat.NWC))
                .build());
        INDArray labels = oneHotNcw(18, 2, 3, 4).permute(0, 2, 1).dup();
        check("Bidirectional(ADD), NWC", net, uniform(17, 1.0, 2, 4, 3), labels, null, null);
    }

    @Test
    void lastTimeStepOfBidirectionalWithMask() {
        MultiLayerNetwork net = init(base().list()
                .layer(new LastTimeStep(new Bidirectional(Bidirectional.Mode.ADD, rnn(3, 4, RNNFormat.NCW))))
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).nIn(4).nOut(3)
                        .build())
                .build());
        INDArray m = mask(new int[][] {{1, 1, 1, 1}, {0, 0, 1, 1}, {1, 1, 1, 0}});
        check("LastTimeStep(Bidirectional(ADD)), masked", net, uniform(19, 1.0, 3, 3, 4), oneHot2d(20, 3, 3), m,
                null);
    }

    @Test
    void inputDropoutWithFixedSeed() {
        // Layer 0's gradients are only right if the second layer applies its input dropout to epsilon in backprop.
        // Resetting the seed before each pass makes every pass draw the same dropout mask.
        MultiLayerNetwork net = init(base().list()
                .layer(rnn(3, 4, RNNFormat.NCW))
                .layer(new FusedSimpleRnn.Builder().nIn(4).nOut(3).activation(Activation.TANH).dropOut(0.6)
                        .dataFormat(RNNFormat.NCW).build())
                .layer(rnnOut(3, 3, RNNFormat.NCW))
                .build());
        GradientCheckUtil.MLNConfig c = new GradientCheckUtil.MLNConfig().net(net)
                .input(uniform(21, 1.0, 2, 3, 5)).labels(oneHotNcw(22, 2, 3, 5))
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                .callEachIter(n -> Nd4j.getRandom().setSeed(12345));
        check("2 FusedSimpleRnn, dropout on the second one's input", c);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Truncated BPTT: fit() computes one gradient per segment; segment k's must be the derivative of segment k's
    // score with the state carried in from segment k-1 held fixed.

    @Test
    void tbpttSegmentGradientsMatchFiniteDifferencesWithCarriedState() {
        int seg = 3;
        int mb = 2;
        MultiLayerNetwork net = init(new NeuralNetConfiguration.Builder()
                // Sgd with rate 0 keeps the parameters fixed across segments, so each segment's gradient can be
                // checked against the same parameters afterwards.
                .seed(12345).dataType(DataType.DOUBLE).updater(new Sgd(0.0)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(rnn(3, 4, RNNFormat.NCW))
                .layer(rnn(4, 3, RNNFormat.NCW))
                .layer(new SparseSoftmaxOutput.Builder().nIn(3).nOut(3).build())
                .backpropType(BackpropType.TruncatedBPTT).tBPTTForwardLength(seg).tBPTTBackwardLength(seg)
                .build());
        INDArray in = uniform(31, 1.0, mb, 3, 2 * seg);
        INDArray labels = indexLabels(32, mb, 3, 2 * seg);
        List<INDArray> grads = fitCapturingGradients(net, in, labels);
        assertEquals(2, grads.size(), "one gradient per TBPTT segment");

        INDArray in1 = steps(in, 0, seg);
        INDArray in2 = steps(in, seg, 2 * seg);
        INDArray l1 = steps(labels, 0, seg);
        INDArray l2 = steps(labels, seg, 2 * seg);
        Map<Integer, Map<String, INDArray>> carried = statesAfter(net, in1);

        FusedLstmGradientCheckTest.FdResult r1 = finiteDifferences(net.params(), grads.get(0), mb,
                () -> segmentScore(net, null, in1, l1));
        FusedLstmGradientCheckTest.FdResult r2 = finiteDifferences(net.params(), grads.get(1), mb,
                () -> segmentScore(net, carried, in2, l2));
        LOG.info("TBPTT segment gradients ({} params): segment 1 {}; segment 2 {}", net.numParams(), r1, r2);
        r1.assertPassed("segment 1");
        r2.assertPassed("segment 2");

        // The check tells a carried state from a reset one: from a zero state, segment 2's derivatives differ.
        FusedLstmGradientCheckTest.FdResult ifReset = finiteDifferences(net.params(), grads.get(1), mb,
                () -> segmentScore(net, null, in2, l2));
        assertTrue(ifReset.failures > 0, "segment 2 gradient does not depend on the carried state: " + ifReset);
    }

    @Test
    void tbpttBackpropGradientTruncatesAtBackLength() {
        // Layer-level contract of tbpttBackpropGradient (used by ComputationGraph): from the stored state, gradients
        // flow back through the last `back` steps only: they are the derivatives of sum(eps ⊙ output) over those
        // steps with the state before them held fixed, and earlier steps get no input gradient.
        int t = 6;
        int back = 2;
        int mb = 2;
        MultiLayerNetwork net = init(base().list()
                .layer(rnn(3, 4, RNNFormat.NCW))
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .build());
        net.initGradientsView();
        FusedSimpleRnnLayer layer = (FusedSimpleRnnLayer) net.getLayer(0);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = uniform(51, 1.0, mb, 3, t);
        INDArray eps = uniform(52, 1.0, mb, 4, t);
        Map<String, INDArray> s0 = new HashMap<>();
        s0.put(FusedSimpleRnnLayer.STATE_KEY_PREV_ACTIVATION, uniform(53, 0.7, mb, 4));

        layer.rnnSetPreviousState(s0);
        layer.rnnSetTBPTTState(s0);
        INDArray out = layer.rnnActivateUsingStoredState(x, true, true, ws).dup();
        Pair<Gradient, INDArray> g = layer.tbpttBackpropGradient(eps, back, ws);
        INDArray analytic = g.getFirst().gradient().dup();
        INDArray epsOut = g.getSecond().dup();
        assertEquals(steps(out, t - 1, t).reshape(mb, 4),
                layer.rnnGetTBPTTState().get(FusedSimpleRnnLayer.STATE_KEY_PREV_ACTIVATION));
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
        FusedLstmGradientCheckTest.FdResult params = finiteDifferences(layer.params(), analytic, 1, score);
        FusedLstmGradientCheckTest.FdResult inputs = finiteDifferences(xTail, steps(epsOut, t - back, t).dup(), 1,
                score);
        LOG.info("tbpttBackpropGradient (last {} of {} steps): params {}; inputs {}", back, t, params, inputs);
        params.assertPassed("truncated parameter gradient");
        inputs.assertPassed("truncated input gradient");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(12345).dataType(DataType.DOUBLE).updater(new NoOp())
                .weightInit(WeightInit.XAVIER);
    }

    private static Layer rnn(int nIn, int nOut, RNNFormat format) {
        return rnn(nIn, nOut, format, Activation.TANH);
    }

    private static Layer rnn(int nIn, int nOut, RNNFormat format, Activation act) {
        return new FusedSimpleRnn.Builder().nIn(nIn).nOut(nOut).activation(act).dataFormat(format).build();
    }

    private static RnnOutputLayer rnnOut(int nIn, int nOut, RNNFormat format) {
        return new RnnOutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).nIn(nIn).nOut(nOut)
                .dataFormat(format).build();
    }

    /**
     * Initialises the network and randomises all FusedSimpleRnn parameters (also inside wrappers), biases included:
     * their init is 0.
     */
    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        long seed = 42;
        for (int i = 0; i < net.getnLayers(); i++) {
            if (!conf.getConf(i).getLayer().toString().contains("FusedSimpleRnn(")) {
                continue;
            }
            for (Map.Entry<String, INDArray> e : net.getLayer(i).paramTable().entrySet()) {
                INDArray p = e.getValue();
                p.assign(uniform(seed++, e.getKey().endsWith("b") ? 0.5 : 0.8, p.shape()));
            }
        }
        return net;
    }
}
