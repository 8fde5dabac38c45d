package org.rnnlab.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleSupplier;

import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.RecurrentWeightDrop;
import org.rnnlab.nn.SequenceDropout;
import org.rnnlab.nn.SequenceEmbedding;
import org.rnnlab.nn.TiedSoftmaxOutput;

/**
 * The language model's variational dropout: word dropout in {@link SequenceEmbedding}, {@link SequenceDropout} between
 * layers and before the softmax, {@link RecurrentWeightDrop} on the recurrent weights. Gradients against finite
 * differences with the masks held fixed (the random generator reset before every pass), masks fixed over the time
 * steps of a pass and drawn anew for the next, and nothing dropped in evaluation.
 */
class VariationalDropoutTest extends GradientCheckSupport {

    private static final int VOCAB = 7;
    private static final int SIZE = 4;
    private static final int STEPS = 5;
    private static final int MB = 3;

    private static MultiLayerNetwork net(double word, double in, double hidden, double out, double weights) {
        FusedLstm l1 = new FusedLstm.Builder().nIn(SIZE).nOut(SIZE).activation(Activation.TANH).build();
        FusedLstm l2 = new FusedLstm.Builder().nIn(SIZE).nOut(SIZE).activation(Activation.TANH).build();
        TiedSoftmaxOutput o = (TiedSoftmaxOutput) new TiedSoftmaxOutput.Builder().nIn(SIZE).nOut(VOCAB).build();
        if (in > 0) {
            l1.setIDropout(new SequenceDropout(1 - in));
        }
        if (hidden > 0) {
            l2.setIDropout(new SequenceDropout(1 - hidden));
        }
        if (out > 0) {
            o.setIDropout(new SequenceDropout(1 - out));
        }
        if (weights > 0) {
            l1.setWeightNoise(new RecurrentWeightDrop(weights));
            l2.setWeightNoise(new RecurrentWeightDrop(weights));
        }
        MultiLayerNetwork net = new MultiLayerNetwork(base().list()
                .layer(SequenceEmbedding.of(new EmbeddingSequenceLayer.Builder().nIn(VOCAB).nOut(SIZE)
                        .inputLength(STEPS).outputDataFormat(RNNFormat.NCW).build()).withWordDropout(word))
                .layer(l1).layer(l2).layer(o).build());
        net.init();
        net.params().assign(LayerTestData.uniform(91, 0.7, net.params().shape()));
        return net;
    }

    private static RecurrentWeightDrop noise(MultiLayerNetwork net) {
        return (RecurrentWeightDrop) ((org.deeplearning4j.nn.conf.layers.BaseLayer) net.getLayer(1).conf().getLayer())
                .getWeightNoise();
    }

    private static INDArray words() {
        return indexLabels(1, MB, VOCAB, STEPS).reshape(MB, STEPS);
    }

    @Test
    void gradientsWithFixedMasks() {
        MultiLayerNetwork net = net(0.3, 0.3, 0.4, 0.25, 0.4);
        INDArray x = words();
        INDArray y = indexLabels(2, MB, VOCAB, STEPS);
        DoubleSupplier score = () -> {
            Nd4j.getRandom().setSeed(99);
            net.setInput(x);
            net.setLabels(y);
            net.computeGradientAndScore();
            return net.score();
        };
        score.getAsDouble();
        INDArray analytic = net.getFlattenedGradients().dup();
        INDArray mask = (noise(net)).lastMask();
        assertNotNull(mask);
        assertTrue(mask.eq(0.0).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().intValue() > 0,
                "some recurrent weights dropped");
        FdResult r = finiteDifferences(net.params(), analytic, MB, score);
        r.assertPassed("all parameters with word, locked and recurrent-weight dropout");

        // The check can tell: another pass's masks give another gradient.
        Nd4j.getRandom().setSeed(100);
        net.computeGradientAndScore();
        assertNotEquals(analytic, net.getFlattenedGradients());
    }

    @Test
    void lockedDropoutMaskIsConstantOverTimeAndNewForEachPass() {
        SequenceDropout d = new SequenceDropout(0.5);
        INDArray ones = Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 4, 6, STEPS);
        INDArray a = d.applyDropout(ones, ones.dup(), 0, 0, LayerWorkspaceMgr.noWorkspaces()).dup();
        INDArray b = d.applyDropout(ones, ones.dup(), 1, 0, LayerWorkspaceMgr.noWorkspaces()).dup();
        for (int t = 1; t < STEPS; t++) {
            assertEquals(steps(a, 0, 1), steps(a, t, t + 1), "step " + t);
        }
        assertTrue(a.eq(0.0).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().intValue() > 0);
        assertNotEquals(a, b, "a new mask for the next window");
    }

    @Test
    void wordDropoutDropsWholeWordsPerPassAndNothingInEvaluation() {
        MultiLayerNetwork net = net(0.5, 0, 0, 0, 0);
        INDArray e = net.getLayer(0).getParam(DefaultParamInitializer.WEIGHT_KEY);
        // Every word at several positions.
        INDArray x = Nd4j.create(new double[][] {{0, 1, 2, 3, 4}, {5, 6, 0, 1, 2}, {3, 4, 5, 6, 0}});
        double[] first = wordFactors(net, x, e);
        double[] second = wordFactors(net, x, e);
        assertNotEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(second), "new words dropped");
        INDArray eval = net.feedForward(x, false).get(1);
        for (int n = 0; n < 3; n++) {
            for (int t = 0; t < STEPS; t++) {
                assertEquals(e.getRow(x.getInt(n, t)), eval.get(org.nd4j.linalg.indexing.NDArrayIndex.point(n),
                        org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(t)));
            }
        }
    }

    /** One training pass's factor per word (0 or 2), checked to be the same at each of the word's positions. */
    private static double[] wordFactors(MultiLayerNetwork net, INDArray x, INDArray e) {
        INDArray out = net.feedForward(x, true).get(1);
        double[] f = new double[VOCAB];
        java.util.Arrays.fill(f, Double.NaN);
        for (int n = 0; n < 3; n++) {
            for (int t = 0; t < STEPS; t++) {
                int w = x.getInt(n, t);
                INDArray v = out.get(org.nd4j.linalg.indexing.NDArrayIndex.point(n),
                        org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(t));
                double factor = v.mul(e.getRow(w)).sumNumber().doubleValue() / e.getRow(w).norm2Number()
                        .doubleValue() / e.getRow(w).norm2Number().doubleValue();
                assertTrue(Math.abs(factor) < 1e-12 || Math.abs(factor - 2.0) < 1e-12, "factor " + factor);
                if (!Double.isNaN(f[w])) {
                    assertEquals(f[w], factor, 1e-12, "word " + w + " dropped at some positions only");
                }
                f[w] = factor;
            }
        }
        return f;
    }

    @Test
    void recurrentWeightMaskIsNewForEachPassAndOffInEvaluation() {
        MultiLayerNetwork dropped = net(0.3, 0.3, 0.4, 0.25, 0.4);
        MultiLayerNetwork plain = net(0, 0, 0, 0, 0);
        INDArray x = words();
        assertEquals(plain.output(x), dropped.output(x), "evaluation uses every weight and activation");
        INDArray y = indexLabels(2, MB, VOCAB, STEPS);
        dropped.setInput(x);
        dropped.setLabels(y);
        dropped.computeGradientAndScore();
        RecurrentWeightDrop noise = noise(dropped);
        INDArray m1 = noise.lastMask().dup();
        dropped.computeGradientAndScore();
        assertNotEquals(m1, noise.lastMask(), "a new recurrent-weight mask for the next window");
        assertEquals(plain.output(x), dropped.output(x), "still nothing dropped in evaluation");
    }
}
