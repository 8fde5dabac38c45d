package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedSimpleRnn;
import org.rnnlab.nn.SparseSoftmaxOutput;

import static org.rnnlab.nn.layers.LayerTestData.oneHot2d;
import static org.rnnlab.nn.layers.LayerTestData.oneHotNcw;
import static org.rnnlab.nn.layers.LayerTestData.uniform;

import java.util.HashMap;
import java.util.Map;

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
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@link FusedSimpleRnn} backprop gradients against central finite differences in double precision, with the
 * scaffolding and thresholds of {@link GradientCheckSupport}: DL4J's {@link GradientCheckUtil} for whole
 * networks (single, stacked, masked, inside Bidirectional and LastTimeStep, with input dropout), and, for truncated
 * BPTT (which GradientCheckUtil cannot check: it scores from a zero state), finite differences of the segment score
 * with the carried-in state held fixed.
 */
class FusedSimpleRnnGradientCheckTest extends GradientCheckSupport {

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
        checkTbpttSegments(init(new NeuralNetConfiguration.Builder()
                // Sgd with rate 0 keeps the parameters fixed across segments, so each segment's gradient can be
                // checked against the same parameters afterwards.
                .seed(12345).dataType(DataType.DOUBLE).updater(new Sgd(0.0)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(rnn(3, 4, RNNFormat.NCW))
                .layer(rnn(4, 3, RNNFormat.NCW))
                .layer(new SparseSoftmaxOutput.Builder().nIn(3).nOut(3).build())
                .backpropType(BackpropType.TruncatedBPTT).tBPTTForwardLength(seg).tBPTTBackwardLength(seg)
                .build()), seg, 2);
    }

    @Test
    void tbpttBackpropGradientTruncatesAtBackLength() {
        MultiLayerNetwork net = init(base().list()
                .layer(rnn(3, 4, RNNFormat.NCW))
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .build());
        Map<String, INDArray> s0 = new HashMap<>();
        s0.put(FusedSimpleRnnLayer.STATE_KEY_PREV_ACTIVATION, uniform(53, 0.7, 2, 4));
        checkTbpttBackpropTruncation(net, s0, FusedSimpleRnnLayer.STATE_KEY_PREV_ACTIVATION);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers

    private static Layer rnn(int nIn, int nOut, RNNFormat format) {
        return rnn(nIn, nOut, format, Activation.TANH);
    }

    private static Layer rnn(int nIn, int nOut, RNNFormat format, Activation act) {
        return new FusedSimpleRnn.Builder().nIn(nIn).nOut(nOut).activation(act).dataFormat(format).build();
    }

    /**
     * Initialises the network and randomises all FusedSimpleRnn parameters (also inside wrappers), biases included:
     * their init is 0.
     */
    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        return initRandomised(conf, "FusedSimpleRnn");
    }
}
