package org.rnnlab.model;

import org.rnnlab.nn.RecurrentMask;

import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.SentimentConfig;
import org.rnnlab.data.sentiment.SequencePadding;
import org.rnnlab.nn.SequenceDropout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SentimentModelFactoryTest {

    private static SentimentConfig config(String model) {
        return (SentimentConfig) ConfigLoader.parse("""
                task: sentiment
                data: {vocab_size: 20, max_len: 6}
                model: {embedding_size: 4, hidden_size: 3, layers: 2, %s}
                """.formatted(model), "test");
    }

    private static MultiLayerNetwork net(SentimentConfig cfg) {
        MultiLayerNetwork n = new MultiLayerNetwork(SentimentModelFactory.build(cfg, 20));
        n.init();
        return n;
    }

    private static INDArray output(MultiLayerNetwork net, SequencePadding.Padded p) {
        return net.output(p.features(), false, p.mask(), null);
    }

    @Test
    void paddingNeverActsAsWordsForAnyCellPoolingOrDirection() {
        List<int[]> reviews = List.of(new int[] {5, 6, 7}, new int[] {9}, new int[] {2, 3, 4, 5, 6, 7});
        for (String cell : List.of("rnn", "lstm", "gru")) {
            for (String shape : List.of("pooling: last", "pooling: max", "pooling: mean",
                    "bidirectional: true, pooling: max", "bidirectional: true, pooling: mean")) {
                for (String out : List.of("softmax", "sigmoid")) {
                    SentimentConfig cfg = config("cell: " + cell + ", output: " + out + ", " + shape);
                    MultiLayerNetwork net = net(cfg);
                    // Non-zero biases everywhere, as after training: a layer running over padding would drift.
                    net.setParams(Nd4j.rand(DataType.FLOAT, 1, net.numParams()).subi(0.5));
                    SequencePadding.Padded pre = new SequencePadding(6, "pre").pad(reviews);
                    SequencePadding.Padded post = new SequencePadding(6, "post").pad(reviews);
                    INDArray a = output(net, pre);
                    assertArrayEquals(new long[] {3, out.equals("softmax") ? 2 : 1}, a.shape());
                    String what = cell + " / " + shape + " / " + out;
                    assertEquals(0.0, a.sub(output(net, post)).amaxNumber().doubleValue(), 1e-5,
                            "the padding side must not change the answer: " + what);
                    // Other words at padded positions must not matter either.
                    INDArray noisy = pre.features().dup();
                    noisy.putScalar(0, 0, 13).putScalar(1, 4, 11);
                    INDArray b = output(net, new SequencePadding.Padded(noisy, pre.mask()));
                    assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 1e-6, "masked positions are ignored: " + what);
                    // While the same word, unmasked just before the review's own word, does change it.
                    INDArray unmasked = pre.mask().dup();
                    unmasked.putScalar(1, 4, 1.0);
                    INDArray c = output(net, new SequencePadding.Padded(noisy, unmasked));
                    assertNotEquals(0.0, a.getRow(1).sub(c.getRow(1)).amaxNumber().doubleValue(), 1e-6, what);
                }
            }
        }
    }

    @Test
    void kerasDropRatesBecomeDl4jRetainProbabilities() {
        SentimentConfig cfg = config("cell: lstm, input_dropout: 0.5, dropout: 0.25");
        var conf = SentimentModelFactory.build(cfg, 20);
        BaseLayer rnn = (BaseLayer) ((RecurrentMask) conf.getConf(1).getLayer()).getUnderlying();
        assertInstanceOf(SequenceDropout.class, rnn.getIDropout(), "one mask per review and feature, shared over time");
        assertEquals(0.5, ((SequenceDropout) rnn.getIDropout()).getP(), 1e-12);
        BaseLayer out = (BaseLayer) conf.getConf(conf.getConfs().size() - 1).getLayer();
        assertEquals(0.75, ((Dropout) out.getIDropout()).getP(), 1e-12, "DL4J's p is the retain probability");
        assertInstanceOf(LastTimeStep.class, conf.getConf(2).getLayer(), "last pooling wraps the top layer");
        BaseLayer noDrop = (BaseLayer) ((RecurrentMask) SentimentModelFactory.build(
                config("input_dropout: 0.0, dropout: 0.0"), 20).getConf(1).getLayer()).getUnderlying();
        assertNull(noDrop.getIDropout());
    }

    @Test
    void recurrentKernelsStartOrthogonal() {
        MultiLayerNetwork simple = net(config("cell: rnn"));
        INDArray rw = simple.getParam("1_RW");
        assertArrayEquals(new long[] {3, 3}, rw.shape());
        assertEquals(0.0, rw.transpose().mmul(rw).sub(Nd4j.eye(3).castTo(DataType.FLOAT)).amaxNumber().doubleValue(), 1e-5);
        MultiLayerNetwork lstm = net(config("cell: lstm"));
        INDArray rw4 = lstm.getParam("1_RW");
        assertArrayEquals(new long[] {3, 12}, rw4.shape());
        assertEquals(0.0, rw4.mmul(rw4.transpose()).sub(Nd4j.eye(3).castTo(DataType.FLOAT)).amaxNumber().doubleValue(), 1e-5,
                "the whole [n, 4n] kernel has orthonormal rows, as Keras' orthogonal initializer");
    }
}
