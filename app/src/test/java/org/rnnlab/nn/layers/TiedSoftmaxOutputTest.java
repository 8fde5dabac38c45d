package org.rnnlab.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.SequenceEmbedding;
import org.rnnlab.nn.SparseSoftmaxOutput;
import org.rnnlab.nn.TiedSoftmaxOutput;

/**
 * {@link TiedSoftmaxOutput}: the gradient of the shared embedding matrix against finite differences (double
 * precision), the same function and summed gradient as an untied network holding Eᵀ as its own output weights, one
 * parameter only, and the tie surviving a save and load and step-by-step {@code rnnTimeStep}.
 */
class TiedSoftmaxOutputTest extends GradientCheckSupport {

    private static final int VOCAB = 7;
    private static final int SIZE = 4;
    private static final int STEPS = 5;

    @TempDir
    Path dir;

    private static SequenceEmbedding embedding() {
        return SequenceEmbedding.of(new EmbeddingSequenceLayer.Builder().nIn(VOCAB).nOut(SIZE).inputLength(STEPS)
                .outputDataFormat(RNNFormat.NCW).build());
    }

    private static FusedLstm lstm() {
        return new FusedLstm.Builder().nIn(SIZE).nOut(SIZE).activation(Activation.TANH).build();
    }

    private static MultiLayerConfiguration conf(Layer out) {
        return base().list().layer(embedding()).layer(lstm()).layer(out).build();
    }

    private static MultiLayerNetwork tied() {
        MultiLayerNetwork net = new MultiLayerNetwork(conf(new TiedSoftmaxOutput.Builder().nIn(SIZE).nOut(VOCAB)
                .build()));
        net.init();
        net.params().addi(LayerTestData.uniform(77, 0.3, net.params().shape()));
        return net;
    }

    private static INDArray words(long seed, int mb) {
        return indexLabels(seed, mb, VOCAB, STEPS).reshape(mb, STEPS);
    }

    @Test
    void gradientCheckWithLabelMask() {
        INDArray m = mask(new int[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}, {0, 1, 1, 1, 1}});
        check("SequenceEmbedding + FusedLstm + TiedSoftmaxOutput", tied(), words(1, 3), indexLabels(2, 3, VOCAB, STEPS),
                null, m);
    }

    @Test
    void gradientCheckEmbeddingStraightIntoTheSoftmax() {
        // Every gradient element of E gets both terms here (a word seen as input and as a class).
        MultiLayerNetwork net = new MultiLayerNetwork(base().list().layer(embedding())
                .layer(new TiedSoftmaxOutput.Builder().nIn(SIZE).nOut(VOCAB).build()).build());
        net.init();
        net.params().addi(LayerTestData.uniform(78, 0.3, net.params().shape()));
        check("SequenceEmbedding + TiedSoftmaxOutput", net, words(3, 2), indexLabels(4, 2, VOCAB, STEPS), null, null);
    }

    @Test
    void sameFunctionAndSummedGradientAsAnUntiedCopy() {
        MultiLayerNetwork tied = tied();
        MultiLayerNetwork untied = new MultiLayerNetwork(conf(new SparseSoftmaxOutput.Builder().nIn(SIZE).nOut(VOCAB)
                .build()));
        untied.init();
        INDArray e = tied.getLayer(0).getParam(DefaultParamInitializer.WEIGHT_KEY);
        untied.getLayer(0).setParamTable(copyOf(tied.getLayer(0).paramTable()));
        untied.getLayer(1).setParamTable(copyOf(tied.getLayer(1).paramTable()));
        untied.getLayer(2).setParam(DefaultParamInitializer.WEIGHT_KEY, e.transpose().dup());
        untied.getLayer(2).setParam(DefaultParamInitializer.BIAS_KEY,
                tied.getLayer(2).getParam(DefaultParamInitializer.BIAS_KEY).dup());

        assertEquals(List.of(DefaultParamInitializer.BIAS_KEY), List.copyOf(tied.getLayer(2).paramTable().keySet()),
                "the output layer owns only its bias");
        assertEquals(untied.numParams() - (long) SIZE * VOCAB, tied.numParams());

        INDArray x = words(5, 2);
        INDArray y = indexLabels(6, 2, VOCAB, STEPS);
        assertEquals(untied.output(x), tied.output(x));
        tied.setInput(x);
        tied.setLabels(y);
        tied.computeGradientAndScore();
        untied.setInput(x);
        untied.setLabels(y);
        untied.computeGradientAndScore();
        assertEquals(untied.score(), tied.score(), 1e-12);
        INDArray dE = tied.getLayer(0).getGradientsViewArray();
        INDArray sum = untied.getLayer(0).getGradientsViewArray().reshape('f', VOCAB, SIZE)
                .add(untied.gradient().getGradientFor("2_W").transpose());
        INDArray embeddingOnly = untied.getLayer(0).getGradientsViewArray().reshape('f', VOCAB, SIZE);
        assertTrue(sum.equalsWithEps(dE.reshape('f', VOCAB, SIZE), 1e-12), "dE = embedding's + output's gradient");
        assertNotEquals(embeddingOnly, dE.reshape('f', VOCAB, SIZE));
        // A second pass gives the same gradient: nothing accumulates across passes.
        INDArray first = dE.dup();
        tied.computeGradientAndScore();
        assertEquals(first, tied.getLayer(0).getGradientsViewArray());
    }

    private static java.util.Map<String, INDArray> copyOf(java.util.Map<String, INDArray> params) {
        java.util.Map<String, INDArray> c = new java.util.LinkedHashMap<>();
        params.forEach((k, v) -> c.put(k, v.dup()));
        return c;
    }

    @Test
    void tieSurvivesSaveAndLoadAndStepByStepSampling() throws Exception {
        MultiLayerNetwork net = tied();
        INDArray x = words(7, 2);
        INDArray full = net.output(x);
        File f = dir.resolve("tied.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(net.getLayerWiseConfigurations(), back.getLayerWiseConfigurations());
        assertEquals(full, back.output(x));

        back.rnnClearPreviousState();
        for (int t = 0; t < STEPS; t++) {
            INDArray step = back.rnnTimeStep(x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(t, t + 1)));
            assertTrue(step.reshape(2, VOCAB).equalsWithEps(steps(full, t, t + 1).reshape(2, VOCAB), 1e-12),
                    "step " + t);
        }
        // Still one matrix after loading: changing E changes the softmax.
        back.getLayer(0).getParam(DefaultParamInitializer.WEIGHT_KEY).addi(0.5);
        back.rnnClearPreviousState();
        INDArray changed = back.output(x);
        INDArray onlyInput = net.output(x);
        assertNotEquals(onlyInput, changed);
    }

    @Test
    void refusesAnEmbeddingOfAnotherSize() {
        MultiLayerConfiguration c = base().list().layer(embedding()).layer(new FusedLstm.Builder().nIn(SIZE).nOut(3)
                .activation(Activation.TANH).build()).layer(new TiedSoftmaxOutput.Builder().nIn(3).nOut(VOCAB).build())
                .build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new MultiLayerNetwork(c).init());
        assertTrue(e.getMessage().contains("sizes must match"), e.getMessage());
        IllegalArgumentException noBias = assertThrows(IllegalArgumentException.class,
                () -> new TiedSoftmaxOutput.Builder().nIn(SIZE).nOut(VOCAB).hasBias(false).build());
        assertTrue(noBias.getMessage().contains("needs its bias"), noBias.getMessage());
        MultiLayerConfiguration noEmbedding = base().list().layer(lstm())
                .layer(new TiedSoftmaxOutput.Builder().nIn(SIZE).nOut(VOCAB).build()).build();
        IllegalStateException alone = assertThrows(IllegalStateException.class,
                () -> new MultiLayerNetwork(noEmbedding).init());
        assertTrue(alone.getMessage().contains("needs a SequenceEmbedding"), alone.getMessage());
    }
}
