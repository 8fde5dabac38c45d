package org.rnnlab.nn.layers;

import org.rnnlab.nn.LastStep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@link LastStep} against DL4J's {@link LastTimeStep} with the same weights: the same output, score and gradients
 * with no mask, with masks that all end at the last step (pre-padding: rnnlab's path) and with masks that end earlier
 * (post-padding: DL4J's path), in both recurrent formats; its JSON round trip. In float, the type rnnlab trains in:
 * DL4J's masked path copies the steps into a new array of ND4J's default type (float), so a double network's output
 * is rounded to float there and not on rnnlab's path.
 */
class LastStepTest {

    private static final int MB = 4, N_IN = 3, UNITS = 5, STEPS = 6;

    private static MultiLayerNetwork net(boolean ours, RNNFormat fmt) {
        SimpleRnn rnn = new SimpleRnn.Builder().nIn(N_IN).nOut(UNITS).activation(Activation.TANH).dataFormat(fmt)
                .build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).list()
                .layer(ours ? new LastStep(rnn) : new LastTimeStep(rnn))
                .layer(new OutputLayer.Builder(LossFunction.MSE).activation(Activation.IDENTITY).nIn(UNITS).nOut(2)
                        .build())
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    /** Per example the number of leading (pre) or trailing (post) padded steps: 0, 1, 3, 0. */
    private static INDArray mask(String padding) {
        int[] pads = {0, 1, 3, 0};
        INDArray m = Nd4j.ones(DataType.FLOAT, MB, STEPS);
        for (int i = 0; i < MB; i++) {
            for (int p = 0; p < pads[i]; p++) {
                m.putScalar(i, padding.equals("pre") ? p : STEPS - 1 - p, 0.0);
            }
        }
        return m;
    }

    @ParameterizedTest
    @CsvSource({"none, NCW", "pre, NCW", "post, NCW", "none, NWC", "pre, NWC", "post, NWC"})
    void sameOutputScoreAndGradientsAsDl4j(String padding, RNNFormat fmt) {
        MultiLayerNetwork stock = net(false, fmt);
        MultiLayerNetwork ours = net(true, fmt);
        ours.setParams(stock.params().dup());
        INDArray x = fmt == RNNFormat.NCW ? Nd4j.rand(DataType.FLOAT, MB, N_IN, STEPS)
                : Nd4j.rand(DataType.FLOAT, MB, STEPS, N_IN);
        INDArray y = Nd4j.rand(DataType.FLOAT, MB, 2);
        INDArray m = padding.equals("none") ? null : mask(padding);

        assertEquals(stock.output(x, false, m, null), ours.output(x, false, m, null));

        for (MultiLayerNetwork n : new MultiLayerNetwork[] {stock, ours}) {
            n.setInput(x);
            n.setLabels(y);
            n.setLayerMaskArrays(m, null);
            n.computeGradientAndScore();
        }
        assertEquals(stock.score(), ours.score(), 0.0);
        Map<String, INDArray> expected = stock.gradient().gradientForVariable();
        Map<String, INDArray> actual = ours.gradient().gradientForVariable();
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertEquals(expected.get(k), actual.get(k), k);
        }
    }

    @Test
    void jsonRoundTripKeepsTheLayer() {
        MultiLayerNetwork n = net(true, RNNFormat.NCW);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(n.getLayerWiseConfigurations().toJson());
        assertEquals(n.getLayerWiseConfigurations(), back);
        MultiLayerNetwork restored = new MultiLayerNetwork(back);
        restored.init();
        assertInstanceOf(LastStepLayer.class, restored.getLayer(0));
    }
}
