package org.rnnlab.model;

import org.rnnlab.nn.RecurrentMask;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.SentimentConfig;
import org.rnnlab.data.sentiment.SequencePadding;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Finite-difference checks (DL4J's {@link GradientCheckUtil}, double precision) of whole sentiment
 * networks with padded, masked minibatches: the masks, {@link RecurrentMask}, the pooling and the
 * Keras-style dropout must all give the gradient of the loss the forward pass computes.
 */
@Tag("slow")
class SentimentGradientCheckTest {

    private static void noUpdater(Layer layer) {
        if (layer instanceof BaseLayer b) {
            b.setIUpdater(new NoOp());
        } else if (layer instanceof Bidirectional bi) {
            noUpdater(bi.getFwd());
            noUpdater(bi.getBwd());
        } else if (layer instanceof BaseWrapperLayer w) {
            noUpdater(w.getUnderlying());
        }
    }

    private static boolean check(String model) {
        SentimentConfig cfg = (SentimentConfig) ConfigLoader.parse("""
                task: sentiment
                seed: 12
                data: {vocab_size: 12, max_len: 5}
                model: {embedding_size: 3, hidden_size: 3, layers: 2, %s}
                """.formatted(model), "check");
        MultiLayerConfiguration conf = SentimentModelFactory.build(cfg, 12);
        for (NeuralNetConfiguration c : conf.getConfs()) {
            noUpdater(c.getLayer());
        }
        conf.setDataType(DataType.DOUBLE);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        SentimentOutput output = SentimentOutput.of(cfg.model().output());
        SequencePadding.Padded p = new SequencePadding(5, cfg.data().padding())
                .pad(List.of(new int[] {4, 5, 6}, new int[] {9}, new int[] {2, 3, 4, 5, 11}));
        DataSet ds = new DataSet(p.features().castTo(DataType.DOUBLE), output.labels(new int[] {1, 0, 1}).castTo(DataType.DOUBLE),
                p.mask().castTo(DataType.DOUBLE), null);
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(ds.getFeatures()).labels(ds.getLabels()).inputMask(ds.getFeaturesMaskArray())
                // The same dropout masks for every evaluation of the loss.
                .callEachIter(n -> Nd4j.getRandom().setSeed(7)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "cell: rnn, pooling: last, input_dropout: 0.0",
            "cell: rnn, pooling: last, input_dropout: 0.5, dropout: 0.3",
            "cell: lstm, pooling: max, input_dropout: 0.5, output: softmax",
            "cell: lstm, bidirectional: true, pooling: mean, input_dropout: 0.5",
            "cell: gru, pooling: last, input_dropout: 0.5"})
    void gradientsAreRightWithMasksPoolingAndDropout(String model) {
        DataType savedDefault = Nd4j.dataType();
        DataType savedFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE); // GradientCheckUtil insists
        try {
            assertTrue(check(model), model);
        } finally {
            Nd4j.setDefaultDataTypes(savedDefault, savedFloat);
        }
    }
}
