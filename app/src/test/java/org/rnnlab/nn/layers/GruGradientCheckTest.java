package org.rnnlab.nn.layers;

import org.rnnlab.nn.Gru;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnnlab.nn.layers.GruTestSupport.mcxent;
import static org.rnnlab.nn.layers.LayerTestData.oneHot2d;
import static org.rnnlab.nn.layers.LayerTestData.oneHotNcw;
import static org.rnnlab.nn.layers.GruTestSupport.randomiseGruParams;
import static org.rnnlab.nn.layers.LayerTestData.uniform;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Backprop gradients of {@link Gru} against central finite differences, in double precision.
 *
 * <p>Most cases use DL4J's {@link GradientCheckUtil} with the settings of DL4J's own gradient-check tests
 * (epsilon 1e-6, max relative error 1e-3, min absolute error 1e-8, no-op updater, no dropout unless the random
 * seed is reset before every pass). GradientCheckUtil computes its numerical gradient with a standard forward pass
 * from a zero state, so it cannot check truncated BPTT with segments; the TBPTT cases here do that with their own
 * finite differences (same epsilon and thresholds) against the gradients that {@code fit()} computes per segment.
 */
class GruGradientCheckTest extends GradientCheckSupport {

    private static final Logger LOG = LogManager.getLogger(GruGradientCheckTest.class);

    private static Gru.Builder gru(int nIn, int nOut, RNNFormat format) {
        return new Gru.Builder().nIn(nIn).nOut(nOut).dataFormat(format);
    }

    private static OutputLayer softmaxOut(int nIn, int nOut) {
        return new OutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).nIn(nIn).nOut(nOut).build();
    }

    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        randomiseGruParams(net, 42);
        return net;
    }

    @Test
    void singleLayerNcw() {
        MultiLayerNetwork net = init(base().list()
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .build());
        check("GRU + RnnOutputLayer, NCW", net, uniform(1, 1.0, 2, 3, 5), oneHotNcw(2, 2, 3, 5), null, null);
    }

    @Test
    void singleLayerNwc() {
        MultiLayerNetwork net = init(base().list()
                .layer(gru(4, 3, RNNFormat.NWC).build())
                .layer(rnnOut(3, 3, RNNFormat.NWC))
                .build());
        INDArray labels = oneHotNcw(4, 3, 3, 6).permute(0, 2, 1).dup();
        check("GRU + RnnOutputLayer, NWC", net, uniform(3, 1.0, 3, 6, 4), labels, null, null);
    }

    @Test
    void stackedWithNonDefaultActivations() {
        // Softsign and hard sigmoid have no derivative-from-output shortcut: this runs the pre-activation path.
        MultiLayerNetwork net = init(base().list()
                .layer(gru(3, 5, RNNFormat.NCW).activation(Activation.SOFTSIGN).build())
                .layer(gru(5, 3, RNNFormat.NCW).gateActivationFunction(Activation.HARDSIGMOID).build())
                .layer(rnnOut(3, 2, RNNFormat.NCW))
                .build());
        check("2 stacked GRUs (softsign; hard-sigmoid gates)", net, uniform(5, 1.0, 2, 3, 5), oneHotNcw(6, 2, 2, 5),
                null, null);
    }

    @Test
    void stackedDefault() {
        MultiLayerNetwork net = init(base().list()
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(gru(4, 3, RNNFormat.NCW).build())
                .layer(rnnOut(3, 3, RNNFormat.NCW))
                .build());
        check("2 stacked GRUs", net, uniform(7, 1.0, 3, 3, 4), oneHotNcw(8, 3, 3, 4), null, null);
    }

    @Test
    void featureAndLabelMasksOfDifferentLengths() {
        MultiLayerNetwork net = init(base().list()
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(gru(4, 3, RNNFormat.NCW).build())
                .layer(rnnOut(3, 3, RNNFormat.NCW))
                .build());
        // Right-padded sequences of lengths 6, 4, 2, as a padded minibatch would have them.
        INDArray m = mask(new int[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}, {1, 1, 0, 0, 0, 0}});
        check("masks, lengths 6/4/2", net, uniform(9, 1.0, 3, 3, 6), oneHotNcw(10, 3, 3, 6), m, m);
    }

    @Test
    void featureMaskWithoutLabelMask() {
        // Loss at masked steps too: their zero outputs still receive gradient, which must not reach the state.
        MultiLayerNetwork net = init(base().list()
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .build());
        INDArray m = mask(new int[][] {{1, 1, 0, 1, 1}, {1, 1, 1, 0, 0}});
        check("feature mask only", net, uniform(23, 1.0, 2, 3, 5), oneHotNcw(24, 2, 3, 5), m, null);
    }

    @Test
    void masksWithLeadingPaddingAndGaps() {
        MultiLayerNetwork net = init(base().list()
                .layer(gru(3, 4, RNNFormat.NWC).build())
                .layer(rnnOut(4, 3, RNNFormat.NWC))
                .build());
        // Masked steps before and between real ones: the state must pass through them unchanged.
        INDArray m = mask(new int[][] {{0, 0, 1, 1, 1}, {1, 0, 1, 0, 1}});
        INDArray labels = oneHotNcw(12, 2, 3, 5).permute(0, 2, 1).dup();
        check("masks with leading padding and gaps, NWC", net, uniform(11, 1.0, 2, 5, 3), labels, m, m);
    }

    @Test
    void bidirectionalConcatWithRnnOutputAndMask() {
        MultiLayerNetwork net = init(base().list()
                .layer(new Bidirectional(Bidirectional.Mode.CONCAT, gru(3, 3, RNNFormat.NCW).build()))
                .layer(rnnOut(6, 3, RNNFormat.NCW))
                .build());
        INDArray m = mask(new int[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}});
        check("Bidirectional(CONCAT) + RnnOutputLayer, masked", net, uniform(13, 1.0, 2, 3, 5),
                oneHotNcw(14, 2, 3, 5), m, m);
    }

    @Test
    void lastTimeStepOfBidirectionalWithMask() {
        MultiLayerNetwork net = init(base().list()
                .layer(new LastTimeStep(new Bidirectional(Bidirectional.Mode.ADD, gru(3, 4, RNNFormat.NCW).build())))
                .layer(softmaxOut(4, 3))
                .build());
        INDArray m = mask(new int[][] {{1, 1, 1, 1}, {1, 1, 0, 0}, {1, 1, 1, 0}});
        check("LastTimeStep(Bidirectional(ADD)) + OutputLayer, masked", net, uniform(15, 1.0, 3, 3, 4),
                oneHot2d(16, 3, 3), m, null);
    }

    @Test
    void lastTimeStepNwc() {
        MultiLayerNetwork net = init(base().list()
                .layer(new LastTimeStep(gru(4, 3, RNNFormat.NWC).build()))
                .layer(softmaxOut(3, 2))
                .build());
        check("LastTimeStep(Gru) NWC + OutputLayer", net, uniform(17, 1.0, 2, 5, 4), oneHot2d(18, 2, 2), null, null);
    }

    @Test
    void embeddingSequenceInput() {
        int vocab = 6;
        int t = 5;
        MultiLayerNetwork net = init(base().list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(vocab).nOut(3).inputLength(t)
                        .outputDataFormat(RNNFormat.NCW).build())
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .build());
        INDArray idx = Nd4j.create(new double[][] {{0, 3, 5, 1, 2}, {4, 4, 0, 5, 1}});
        check("EmbeddingSequenceLayer + GRU", net, idx, oneHotNcw(19, 2, 3, t), null, null);
    }

    @Test
    void inputDropoutWithFixedSeed() {
        // Dropout on the second GRU's input: layer 0's gradients are only right if dropout is applied in backprop
        // to the epsilon too. Resetting the seed before each pass makes every pass draw the same dropout mask.
        MultiLayerNetwork net = init(base().list()
                .layer(gru(3, 4, RNNFormat.NWC).build())
                .layer(gru(4, 3, RNNFormat.NWC).dropOut(0.6).build())
                .layer(rnnOut(3, 3, RNNFormat.NWC))
                .build());
        GradientCheckUtil.MLNConfig c = new GradientCheckUtil.MLNConfig().net(net)
                .input(uniform(21, 1.0, 2, 5, 3)).labels(oneHotNcw(22, 2, 3, 5).permute(0, 2, 1).dup())
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                .callEachIter(n -> Nd4j.getRandom().setSeed(12345));
        check("2 GRUs, dropout on the second one's input, NWC", c);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Truncated BPTT: fit() computes one gradient per segment; segment k's gradient must equal the derivative of
    // that segment's score with the state carried in from segment k-1 held fixed.

    @Test
    void tbpttSegmentsCarryStateAndMatchFiniteDifferences() {
        int segLen = 3;
        MultiLayerNetwork net = tbpttNet(segLen, segLen);
        INDArray in = uniform(31, 1.0, 2, 3, 2 * segLen);
        INDArray labels = oneHotNcw(32, 2, 3, 2 * segLen);
        List<INDArray> grads = fitCapturingGradients(net, in, labels);
        assertEquals(2, grads.size(), "one gradient per TBPTT segment");

        INDArray in1 = steps(in, 0, segLen);
        INDArray in2 = steps(in, segLen, 2 * segLen);
        INDArray l1 = steps(labels, 0, segLen);
        INDArray l2 = steps(labels, segLen, 2 * segLen);

        // Our score formula equals the network's: validates it before using it for the segment checks.
        assertEquals(net.score(new DataSet(in1, l1)), scoreFrom(net, null, in1, l1), 1e-12);

        INDArray carried = stateAfter(net, in1);
        INDArray params = net.params();
        MeanFdResult r1 = meanFiniteDifferences(params, grads.get(0), 2, () -> scoreFrom(net, null, in1, l1));
        MeanFdResult r2 = meanFiniteDifferences(params, grads.get(1), 2, () -> scoreFrom(net, carried, in2, l2));
        LOG.info("TBPTT segment gradients (all {} params): segment 1 {}, segment 2 {}", params.length(), r1, r2);
        r1.assertPassed("segment 1");
        r2.assertPassed("segment 2");

        // The check can tell a carried state from a reset one: from a zero state, segment 2's gradient differs.
        MeanFdResult ifReset = meanFiniteDifferences(params, grads.get(1), 2, () -> scoreFrom(net, null, in2, l2));
        assertTrue(ifReset.failures > 0, "segment 2 gradient does not depend on the carried state: " + ifReset);
    }

    @Test
    void multiLayerNetworkIgnoresTbpttBackwardLength() {
        // DL4J 1.0.0-M2.1's MultiLayerNetwork calls backpropGradient, never tbpttBackpropGradient, so with forward
        // length 4 and backward length 2 the segment gradient is still that of the whole segment. If a DL4J upgrade
        // changes this, this test fails and the truncation semantics need a look.
        int fwd = 4;
        MultiLayerNetwork net = tbpttNet(fwd, 2);
        INDArray in = uniform(41, 1.0, 2, 3, 2 * fwd);
        INDArray labels = oneHotNcw(42, 2, 3, 2 * fwd);
        List<INDArray> grads = fitCapturingGradients(net, in, labels);
        assertEquals(2, grads.size());

        INDArray carried = stateAfter(net, steps(in, 0, fwd));
        INDArray in2 = steps(in, fwd, 2 * fwd);
        INDArray l2 = steps(labels, fwd, 2 * fwd);
        MeanFdResult r = meanFiniteDifferences(net.params(), grads.get(1), 2, () -> scoreFrom(net, carried, in2, l2));
        LOG.info("TBPTT forward 4 / backward 2, segment 2: {}", r);
        r.assertPassed("segment 2, full-segment gradient");
    }

    @Test
    void tbpttBackpropGradientTruncatesAtBackLength() {
        MultiLayerNetwork net = init(base().list()
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .build());
        Map<String, INDArray> s0 = new HashMap<>();
        s0.put(GruLayer.STATE_KEY_PREV_ACTIVATION, uniform(53, 0.7, 2, 4));
        checkTbpttBackpropTruncation(net, s0, GruLayer.STATE_KEY_PREV_ACTIVATION);
    }

    private static MultiLayerNetwork tbpttNet(int fwd, int back) {
        // Sgd with rate 0 keeps the parameters fixed across segments, so every segment's gradient can be checked
        // against the same parameters afterwards.
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(12345).dataType(DataType.DOUBLE).updater(new Sgd(0.0)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(gru(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .backpropType(BackpropType.TruncatedBPTT).tBPTTForwardLength(fwd).tBPTTBackwardLength(back)
                .build();
        return init(conf);
    }

    /** Hidden state of the Gru (layer 0) after running {@code in} from a zero state. */
    private static INDArray stateAfter(MultiLayerNetwork net, INDArray in) {
        net.rnnClearPreviousState();
        net.rnnTimeStep(in);
        INDArray s = net.rnnGetPreviousState(0).get(GruLayer.STATE_KEY_PREV_ACTIVATION).dup();
        net.rnnClearPreviousState();
        return s;
    }

    private static double scoreFrom(MultiLayerNetwork net, INDArray state, INDArray in, INDArray labels) {
        net.rnnClearPreviousState();
        if (state != null) {
            net.rnnSetPreviousState(0, Map.of(GruLayer.STATE_KEY_PREV_ACTIVATION, state.dup()));
        }
        INDArray probs = net.rnnTimeStep(in);
        net.rnnClearPreviousState();
        return mcxent(probs, labels);
    }

    /** Outcome of a finite-difference comparison. */
    private record MeanFdResult(long checked, long failures, double maxRelError) {
        void assertPassed(String what) {
            assertEquals(0, failures, what + ": " + this);
        }

        @Override
        public String toString() {
            return checked + " checked, " + failures + " failed, max relative error " + maxRelError;
        }
    }

    /**
     * Compares {@code rawGradient} / {@code divisor} with central differences of {@code score} with respect to every
     * element of {@code values} (modified in place and restored), with GradientCheckUtil's pass rule: relative error
     * at most 1e-3, or absolute error below 1e-8. DL4J's raw gradients are sums over the minibatch (its updater
     * divides by the minibatch size), hence the divisor.
     */
    private static MeanFdResult meanFiniteDifferences(INDArray values, INDArray rawGradient, long divisor,
                                              java.util.function.DoubleSupplier score) {
        double maxRel = 0;
        long failures = 0;
        long len = values.length();
        for (long i = 0; i < len; i++) {
            double orig = values.getDouble(i);
            values.putScalar(i, orig + EPS);
            double plus = score.getAsDouble();
            values.putScalar(i, orig - EPS);
            double minus = score.getAsDouble();
            values.putScalar(i, orig);
            double numerical = (plus - minus) / (2 * EPS);
            double analytic = rawGradient.getDouble(i) / divisor;
            double abs = Math.abs(analytic - numerical);
            double rel = abs == 0 ? 0 : abs / (Math.abs(analytic) + Math.abs(numerical));
            maxRel = Math.max(maxRel, rel);
            if (rel > MAX_REL_ERROR && abs > MIN_ABS_ERROR) {
                failures++;
            }
        }
        return new MeanFdResult(len, failures, maxRel);
    }
}
