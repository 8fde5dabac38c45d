package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedLstm;
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
 * {@link FusedLstm} backprop gradients against central finite differences in double precision: DL4J's
 * {@link GradientCheckUtil} with the settings of DL4J's own gradient-check tests (epsilon 1e-6, max relative error
 * 1e-3, min absolute error 1e-8, no-op updater, no dropout unless the seed is reset before every pass), and, for
 * truncated BPTT (which GradientCheckUtil cannot check: it scores from a zero state), finite differences of the
 * segment score with the carried-in state held fixed, with the same thresholds.
 */
class FusedLstmGradientCheckTest extends GradientCheckSupport {

    // ---------------------------------------------------------------------------------------------------------
    // GradientCheckUtil cases

    @Test
    void singleLayerNcw() {
        MultiLayerNetwork net = init(base().list()
                .layer(lstm(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .build());
        check("FusedLstm + RnnOutputLayer, NCW", net, uniform(1, 1.0, 2, 3, 5), oneHotNcw(2, 2, 3, 5), null, null);
    }

    @Test
    void singleLayerNwc() {
        MultiLayerNetwork net = init(base().list()
                .layer(lstm(4, 3, RNNFormat.NWC).build())
                .layer(rnnOut(3, 3, RNNFormat.NWC))
                .build());
        INDArray labels = oneHotNcw(4, 3, 3, 6).permute(0, 2, 1).dup();
        check("FusedLstm + RnnOutputLayer, NWC", net, uniform(3, 1.0, 3, 6, 4), labels, null, null);
    }

    @Test
    void stackedFeedingSparseSoftmaxOutput() {
        // Layer 2 reads layer 1's time-major output without a copy, the output layer reads layer 2's.
        MultiLayerNetwork net = init(base().list()
                .layer(lstm(3, 4, RNNFormat.NCW).build())
                .layer(lstm(4, 5, RNNFormat.NCW).build())
                .layer(new SparseSoftmaxOutput.Builder().nIn(5).nOut(4).build())
                .build());
        check("2 stacked FusedLstm + SparseSoftmaxOutput", net, uniform(5, 1.0, 3, 3, 4), indexLabels(6, 3, 4, 4),
                null, null);
    }

    @Test
    void stackedWithNonDefaultActivations() {
        // Softsign and hard sigmoid have no derivative-from-output shortcut: this runs the pre-activation path.
        MultiLayerNetwork net = init(base().list()
                .layer(lstm(3, 4, RNNFormat.NCW).activation(Activation.SOFTSIGN).build())
                .layer(lstm(4, 3, RNNFormat.NCW).gateActivationFunction(Activation.HARDSIGMOID).build())
                .layer(rnnOut(3, 2, RNNFormat.NCW))
                .build());
        check("2 stacked FusedLstm (softsign; hard-sigmoid gates)", net, uniform(7, 1.0, 2, 3, 5),
                oneHotNcw(8, 2, 2, 5), null, null);
    }

    @Test
    void masksOfDifferentLengths() {
        MultiLayerNetwork net = init(base().list()
                .layer(lstm(3, 4, RNNFormat.NCW).build())
                .layer(lstm(4, 3, RNNFormat.NCW).build())
                .layer(rnnOut(3, 3, RNNFormat.NCW))
                .build());
        INDArray m = mask(new int[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}, {1, 1, 0, 0, 0, 0}});
        check("masks, lengths 6/4/2", net, uniform(9, 1.0, 3, 3, 6), oneHotNcw(10, 3, 3, 6), m, m);
    }

    @Test
    void masksWithLeadingPaddingAndGapsNwc() {
        // Masked steps before and between real ones: the state (output and cell) passes through them unchanged.
        MultiLayerNetwork net = init(base().list()
                .layer(lstm(3, 4, RNNFormat.NWC).build())
                .layer(lstm(4, 3, RNNFormat.NWC).build())
                .layer(rnnOut(3, 3, RNNFormat.NWC))
                .build());
        INDArray m = mask(new int[][] {{0, 0, 1, 1, 1}, {1, 0, 1, 0, 1}, {1, 1, 1, 1, 1}});
        INDArray labels = oneHotNcw(12, 3, 3, 5).permute(0, 2, 1).dup();
        check("masks with leading padding and gaps, NWC", net, uniform(11, 1.0, 3, 5, 3), labels, m, m);
    }

    @Test
    void featureMaskWithoutLabelMask() {
        // Outputs at masked steps are 0 and still receive loss gradients: those must not reach the parameters.
        MultiLayerNetwork net = init(base().list()
                .layer(lstm(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .build());
        INDArray m = mask(new int[][] {{1, 1, 0, 1}, {1, 1, 1, 0}});
        check("feature mask only", net, uniform(13, 1.0, 2, 3, 4), oneHotNcw(14, 2, 3, 4), m, null);
    }

    @Test
    void bidirectionalConcatWithMask() {
        MultiLayerNetwork net = init(base().list()
                .layer(new Bidirectional(Bidirectional.Mode.CONCAT, lstm(3, 3, RNNFormat.NCW).build()))
                .layer(rnnOut(6, 3, RNNFormat.NCW))
                .build());
        INDArray m = mask(new int[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}});
        check("Bidirectional(CONCAT), masked", net, uniform(15, 1.0, 2, 3, 5), oneHotNcw(16, 2, 3, 5), m, m);
    }

    @Test
    void bidirectionalAddNwc() {
        // ADD hands the same epsilon array to both directions: the layer must not modify it in place.
        MultiLayerNetwork net = init(base().list()
                .layer(new Bidirectional(Bidirectional.Mode.ADD, lstm(3, 4, RNNFormat.NWC).build()))
                .layer(rnnOut(4, 3, RNNFormat.NWC))
                .build());
        INDArray labels = oneHotNcw(18, 2, 3, 4).permute(0, 2, 1).dup();
        check("Bidirectional(ADD), NWC", net, uniform(17, 1.0, 2, 4, 3), labels, null, null);
    }

    @Test
    void lastTimeStepOfBidirectionalWithMask() {
        MultiLayerNetwork net = init(base().list()
                .layer(new LastTimeStep(new Bidirectional(Bidirectional.Mode.ADD, lstm(3, 4, RNNFormat.NCW).build())))
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).nIn(4).nOut(3)
                        .build())
                .build());
        INDArray m = mask(new int[][] {{1, 1, 1, 1}, {1, 1, 0, 0}, {1, 1, 1, 0}});
        check("LastTimeStep(Bidirectional(ADD)), masked", net, uniform(19, 1.0, 3, 3, 4), oneHot2d(20, 3, 3), m,
                null);
    }

    @Test
    void inputDropoutWithFixedSeed() {
        // Layer 0's gradients are only right if the second layer applies its input dropout to epsilon in backprop.
        // Resetting the seed before each pass makes every pass draw the same dropout mask.
        MultiLayerNetwork net = init(base().list()
                .layer(lstm(3, 4, RNNFormat.NCW).build())
                .layer(lstm(4, 3, RNNFormat.NCW).dropOut(0.6).build())
                .layer(rnnOut(3, 3, RNNFormat.NCW))
                .build());
        GradientCheckUtil.MLNConfig c = new GradientCheckUtil.MLNConfig().net(net)
                .input(uniform(21, 1.0, 2, 3, 5)).labels(oneHotNcw(22, 2, 3, 5))
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                .callEachIter(n -> Nd4j.getRandom().setSeed(12345));
        check("2 FusedLstm, dropout on the second one's input", c);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Truncated BPTT: fit() computes one gradient per segment; segment k's must be the derivative of segment k's
    // score with the state carried in from segment k-1 held fixed.

    @Test
    void tbpttSegmentGradientsMatchFiniteDifferencesWithCarriedState() {
        checkTbpttSegments(tbpttNet(3), 3, 2);
    }

    @Test
    void tbpttBackpropGradientTruncatesAtBackLength() {
        MultiLayerNetwork net = init(base().list()
                .layer(lstm(3, 4, RNNFormat.NCW).build())
                .layer(rnnOut(4, 3, RNNFormat.NCW))
                .build());
        Map<String, INDArray> s0 = new HashMap<>();
        s0.put(FusedLstmLayer.STATE_KEY_PREV_ACTIVATION, uniform(53, 0.7, 2, 4));
        s0.put(FusedLstmLayer.STATE_KEY_PREV_MEMCELL, uniform(54, 1.5, 2, 4));
        checkTbpttBackpropTruncation(net, s0, FusedLstmLayer.STATE_KEY_PREV_ACTIVATION);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers

    private static FusedLstm.Builder lstm(int nIn, int nOut, RNNFormat format) {
        return new FusedLstm.Builder().nIn(nIn).nOut(nOut).activation(Activation.TANH).dataFormat(format);
    }

    /** Initialises the network and randomises all FusedLstm parameters, biases included (their init is constant). */
    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        return initRandomised(conf, "FusedLstm");
    }

    /** Two stacked FusedLstm layers and a SparseSoftmaxOutput, TBPTT with segments of {@code seg} steps. */
    private static MultiLayerNetwork tbpttNet(int seg) {
        // Sgd with rate 0 keeps the parameters fixed across segments, so each segment's gradient can be checked
        // against the same parameters afterwards.
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(12345).dataType(DataType.DOUBLE).updater(new Sgd(0.0)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(lstm(3, 4, RNNFormat.NCW).build())
                .layer(lstm(4, 3, RNNFormat.NCW).build())
                .layer(new SparseSoftmaxOutput.Builder().nIn(3).nOut(3).build())
                .backpropType(BackpropType.TruncatedBPTT).tBPTTForwardLength(seg).tBPTTBackwardLength(seg)
                .build();
        return init(conf);
    }
}
