package org.rnnlab.nn.layers;

import org.rnnlab.nn.SequenceEmbedding;
import org.rnnlab.nn.cpu.kernel.DirectArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@link SequenceEmbedding} against DL4J's {@link EmbeddingSequenceLayer} with the same weights: the same output and
 * the same gradients (weights, bias) with repeated words, a feature mask with gaps, both output formats and both
 * floating types; its JSON round trip; the ND4J fallback.
 */
class SequenceEmbeddingTest {

    private static final int VOCAB = 7, DIM = 5, STEPS = 6, MB = 4;

    @AfterEach
    void restore() {
        DirectArray.enabled = true;
    }

    private static EmbeddingSequenceLayer stockLayer(RNNFormat fmt, boolean bias) {
        return new EmbeddingSequenceLayer.Builder().nIn(VOCAB).nOut(DIM).inputLength(STEPS).hasBias(bias)
                .activation(Activation.IDENTITY).outputDataFormat(fmt).build();
    }

    private static MultiLayerNetwork net(boolean ours, RNNFormat fmt, boolean bias, DataType dt) {
        EmbeddingSequenceLayer emb = stockLayer(fmt, bias);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(11).dataType(dt).biasInit(0.3)
                .list()
                .layer(ours ? SequenceEmbedding.of(emb) : emb)
                .layer(new RnnOutputLayer.Builder(LossFunction.MSE).activation(Activation.IDENTITY).nIn(DIM).nOut(3)
                        .dataFormat(fmt).build())
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    private static INDArray words(DataType dt) {
        Random r = new Random(5);
        double[][] w = new double[MB][STEPS];
        for (int i = 0; i < MB; i++) {
            for (int t = 0; t < STEPS; t++) {
                w[i][t] = r.nextInt(3) == 0 ? 2 : r.nextInt(VOCAB); // word 2 repeats often
            }
        }
        return Nd4j.create(w).castTo(dt);
    }

    @ParameterizedTest
    @CsvSource({"NCW,false,FLOAT", "NWC,false,FLOAT", "NCW,true,FLOAT", "NCW,false,DOUBLE", "NWC,true,DOUBLE"})
    void sameOutputAndGradientsAsDl4j(RNNFormat fmt, boolean bias, DataType dt) {
        MultiLayerNetwork stock = net(false, fmt, bias, dt);
        MultiLayerNetwork ours = net(true, fmt, bias, dt);
        assertInstanceOf(SequenceEmbeddingLayer.class, ours.getLayer(0));
        Nd4j.getRandom().setSeed(3);
        ours.setParams(Nd4j.rand(dt, 1, stock.numParams()).subi(0.5));
        stock.setParams(ours.params().dup());

        INDArray x = words(dt);
        long[] labelShape = fmt == RNNFormat.NCW ? new long[] {MB, 3, STEPS} : new long[] {MB, STEPS, 3};
        Nd4j.getRandom().setSeed(4);
        INDArray y = Nd4j.rand(dt, labelShape);
        // Leading padding, a gap, a full row.
        INDArray mask = Nd4j.create(new double[][] {
            {0, 0, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}, {1, 0, 1, 1, 0, 1}, {0, 0, 0, 0, 1, 1}}).castTo(dt);

        // No label mask: the output layer then sends gradient to masked steps too, which the embedding must drop.
        Map<String, INDArray> expected = gradients(stock, x, y, mask);
        Map<String, INDArray> actual = gradients(ours, x, y, mask);
        assertEquals(stock.output(x, false, mask, mask), ours.output(x, false, mask, mask));
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            double tol = dt == DataType.FLOAT ? 1e-6 : 1e-12;
            assertTrue(expected.get(k).equalsWithEps(actual.get(k), tol), k + "\nexpected " + expected.get(k)
                    + "\nactual " + actual.get(k));
        }
        assertTrue(actual.get("0_W").amaxNumber().doubleValue() > 0, "gradient reaches the embedding");
    }

    private static Map<String, INDArray> gradients(MultiLayerNetwork n, INDArray x, INDArray y, INDArray mask) {
        n.setInput(x);
        n.setLabels(y);
        n.setLayerMaskArrays(mask, null);
        n.computeGradientAndScore();
        Map<String, INDArray> g = new java.util.TreeMap<>();
        n.gradient().gradientForVariable().forEach((k, v) -> g.put(k, v.dup()));
        return g;
    }

    @Test
    void eachStepsGradientHoldsOnlyItsOwnWords() {
        // The layer keeps scratch sums between steps and writes only the rows of the words that occurred: a second
        // batch with other words must not see the first batch's rows.
        MultiLayerNetwork stock = net(false, RNNFormat.NWC, false, DataType.FLOAT);
        MultiLayerNetwork ours = net(true, RNNFormat.NWC, false, DataType.FLOAT);
        stock.setParams(ours.params().dup());
        INDArray first = words(DataType.FLOAT);
        INDArray second = Nd4j.create(new double[][] {{0, 1, 0, 1, 0, 1}, {1, 1, 1, 1, 1, 1}, {0, 0, 0, 0, 0, 0},
            {1, 0, 1, 0, 1, 0}}).castTo(DataType.FLOAT);
        INDArray y = Nd4j.rand(DataType.FLOAT, MB, STEPS, 3);
        gradients(ours, first, y, null);
        Map<String, INDArray> actual = gradients(ours, second, y, null);
        Map<String, INDArray> expected = gradients(stock, second, y, null);
        assertTrue(expected.get("0_W").equalsWithEps(actual.get("0_W"), 1e-6), "expected " + expected.get("0_W")
                + "\nactual " + actual.get("0_W"));
        assertEquals(0.0, actual.get("0_W").getRow(2).amaxNumber().doubleValue(), "word 2 is not in the batch");
    }

    @Test
    void fallbackPathGivesTheSameGradients() {
        INDArray x = words(DataType.FLOAT);
        INDArray y = Nd4j.rand(DataType.FLOAT, MB, 3, STEPS);
        MultiLayerNetwork ours = net(true, RNNFormat.NCW, true, DataType.FLOAT);
        Map<String, INDArray> direct = gradients(ours, x, y, null);
        DirectArray.enabled = false;
        Map<String, INDArray> nd4j = gradients(ours, x, y, null);
        for (String k : direct.keySet()) {
            assertTrue(direct.get(k).equalsWithEps(nd4j.get(k), 1e-6), k);
        }
    }

    @Test
    void jsonRoundTripKeepsTheLayerAndItsSettings() {
        MultiLayerConfiguration conf = net(true, RNNFormat.NWC, true, DataType.FLOAT).getLayerWiseConfigurations();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        SequenceEmbedding layer = assertInstanceOf(SequenceEmbedding.class, back.getConf(0).getLayer());
        assertEquals(conf, back);
        assertEquals(RNNFormat.NWC, layer.getOutputFormat());
        assertEquals(STEPS, layer.getInputLength());
        assertTrue(layer.hasBias());
        assertEquals(0.3, layer.getBiasInit());
    }
}
