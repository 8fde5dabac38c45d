package org.rnnlab.eval;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.model.LmModelFactory;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class LmEvaluatorTest {

    private static final int VOCAB = 7;

    private static MultiLayerNetwork tinyModel() {
        LmConfig cfg = (LmConfig) ConfigLoader.parse("""
                task: lm
                seed: 3
                model: {layers: 1, hidden_size: 5, init_scale: 0.8}
                train: {batch_size: 2, num_steps: 3}
                """, "tiny");
        MultiLayerNetwork net = new MultiLayerNetwork(LmModelFactory.build(cfg, VOCAB));
        net.init();
        return net;
    }

    private static int[] stream(int n) {
        Random r = new Random(11);
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = r.nextInt(VOCAB);
        }
        return s;
    }

    /** Hand computation: feed each row word by word and add up -log p(next word). */
    private static double handMeanNll(MultiLayerNetwork net, int[] s, int batch, int steps) {
        int rowLen = s.length / batch;
        int windows = (rowLen - 1) / steps;
        double total = 0;
        int count = 0;
        for (int b = 0; b < batch; b++) {
            net.rnnClearPreviousState();
            for (int t = 0; t < windows * steps; t++) {
                INDArray in = Nd4j.create(new float[] {s[b * rowLen + t]}, new long[] {1, 1, 1}, DataType.FLOAT);
                INDArray p = net.rnnTimeStep(in);
                total -= Math.log(p.getDouble(0, s[b * rowLen + t + 1], 0));
                count++;
            }
        }
        net.rnnClearPreviousState();
        return total / count;
    }

    @Test
    void perplexityIsExpOfMeanCrossEntropyOverEveryTarget() {
        MultiLayerNetwork net = tinyModel();
        int[] s = stream(61);
        LmEvaluator.Result r = LmEvaluator.evaluate(net, s, 2, 3);
        double expected = handMeanNll(net, s, 2, 3);
        assertEquals(2 * 9 * 3, r.words(), "rows of 30 words give 9 windows of 3 steps");
        assertEquals(expected, r.meanCrossEntropy(), 1e-5);
        assertEquals(Math.exp(expected), r.perplexity(), 1e-4 * r.perplexity());
    }

    @Test
    void batchOneCoversEveryWordOfTheSplitWhateverTheWindow() {
        MultiLayerNetwork net = tinyModel();
        int[] s = stream(40);
        LmEvaluator.Result oneStep = LmEvaluator.evaluate(net, s, 1, 1);
        assertEquals(39, oneStep.words());
        assertEquals(handMeanNll(net, s, 1, 1), oneStep.meanCrossEntropy(), 1e-5);
        LmEvaluator.Result windows = LmEvaluator.evaluate(net, s, 1, 7); // 5 windows of 7 and a tail of 4
        assertEquals(39, windows.words());
        assertEquals(oneStep.meanCrossEntropy(), windows.meanCrossEntropy(), 1e-5);
    }

    @Test
    void carriedStateMattersAndEvaluationLeavesNoState() {
        MultiLayerNetwork net = tinyModel();
        int[] s = stream(61);
        double carried = LmEvaluator.evaluate(net, s, 2, 3).meanCrossEntropy();
        // The same windows evaluated with the state reset before each one give another figure.
        double reset = 0;
        int n = 0;
        org.rnnlab.data.lm.TokenWindows w = new org.rnnlab.data.lm.TokenWindows(s, 2, 3);
        for (int k = 0; k < w.numWindows(); k++) {
            net.rnnClearPreviousState();
            INDArray p = net.rnnTimeStep(w.features(k));
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < 3; t++) {
                    reset -= Math.log(p.getDouble(b, w.target(k, b, t), t));
                    n++;
                }
            }
        }
        net.rnnClearPreviousState();
        assertNotEquals(carried, reset / n, 1e-4);
        assertEquals(carried, LmEvaluator.evaluate(net, s, 2, 3).meanCrossEntropy(), 1e-6, "repeatable: no state leaks");
    }

    @Test
    void trainingScoreIsLossSummedOverStepsPerSequence() {
        // The trainer divides DL4J's score by num_steps to get the mean per-word loss; check that meaning.
        MultiLayerNetwork net = tinyModel();
        int[] s = stream(61);
        org.rnnlab.data.lm.TokenWindows w = new org.rnnlab.data.lm.TokenWindows(s, 2, 3);
        net.rnnClearPreviousState();
        INDArray p = net.output(w.features(0));
        double nll = 0;
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 3; t++) {
                nll -= Math.log(p.getDouble(b, w.target(0, b, t), t));
            }
        }
        net.setInput(w.features(0));
        net.setLabels(w.labels(0));
        net.computeGradientAndScore();
        assertEquals(nll / 2 / 3, net.score() / 3, 1e-5);
    }
}
