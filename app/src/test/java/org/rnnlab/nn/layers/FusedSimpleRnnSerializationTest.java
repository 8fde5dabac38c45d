package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedSimpleRnn;
import org.rnnlab.nn.SequenceDropout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;

import org.deeplearning4j.nn.api.layers.LayerConstraint;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSoftSign;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.SentimentConfig;
import org.rnnlab.nn.RecurrentMask;
import org.rnnlab.model.SentimentModelFactory;

/**
 * {@link FusedSimpleRnn} configurations: the builder builds the fused layer and refuses what it does not support,
 * the configuration survives DL4J's JSON and YAML round trips with all its settings and stays distinct from DL4J's
 * {@code SimpleRnn}, a network using it survives ModelSerializer (configuration, parameters, outputs), and the
 * sentiment model factory uses it for {@code cell: rnn}.
 */
class FusedSimpleRnnSerializationTest {

    private static MultiLayerConfiguration conf() {
        return new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.FLOAT).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new FusedSimpleRnn.Builder().nIn(4).nOut(5).activation(Activation.TANH)
                        .weightInitRecurrent(WeightInit.UNIFORM).dropOut(new SpatialDropout(0.9))
                        .constrainRecurrent(new MaxNormConstraint(2.0, 1)).dataFormat(RNNFormat.NWC).build())
                .layer(new Bidirectional(Bidirectional.Mode.ADD,
                        new FusedSimpleRnn.Builder().nIn(5).nOut(3).activation(Activation.SOFTSIGN)
                                .dataFormat(RNNFormat.NWC).build()))
                .layer(new RnnOutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).nIn(3).nOut(6)
                        .dataFormat(RNNFormat.NWC).build())
                .build();
    }

    @Test
    void builderBuildsTheFusedLayerAndRefusesLayerNormAndNonElementwiseActivations() {
        Layer l = new FusedSimpleRnn.Builder().nIn(3).nOut(4).activation(Activation.TANH).build();
        assertInstanceOf(FusedSimpleRnn.class, l);
        assertThrows(IllegalArgumentException.class,
                () -> new FusedSimpleRnn.Builder().nIn(3).nOut(4).hasLayerNorm(true).build());
        MultiLayerConfiguration softmax = new NeuralNetConfiguration.Builder().list()
                .layer(new FusedSimpleRnn.Builder().nIn(3).nOut(4).activation(Activation.SOFTMAX).build())
                .layer(new RnnOutputLayer.Builder().nIn(4).nOut(2).build())
                .build();
        assertThrows(IllegalArgumentException.class, () -> new MultiLayerNetwork(softmax).init());
    }

    @Test
    void constraintsAreKeptWhereDl4jsSimpleRnnDropsThem() {
        FusedSimpleRnn fused = (FusedSimpleRnn) conf().getConf(0).getLayer();
        assertEquals(1, fused.getConstraints().size());
        LayerConstraint c = fused.getConstraints().get(0);
        assertEquals(Set.of("RW"), c.getParams());
        SimpleRnn stock = new SimpleRnn.Builder().nIn(4).nOut(5).constrainRecurrent(new MaxNormConstraint(2.0, 1))
                .build();
        assertNull(stock.getConstraints(), "DL4J's SimpleRnn ignores constraints (if this fails, it no longer does)");
    }

    @Test
    void memoryReportCountsTheTrainingBuffers() {
        // DL4J's SimpleRnn returns no report (null), which breaks a network's memory report.
        FusedSimpleRnn l0 = (FusedSimpleRnn) conf().getConf(0).getLayer();
        LayerMemoryReport r = l0.getMemoryReport(InputType.recurrent(4, 7, RNNFormat.NWC));
        long inference = r.getTotalMemoryBytes(8, MemoryUseMode.INFERENCE, CacheMode.NONE, DataType.FLOAT);
        long training = r.getTotalMemoryBytes(8, MemoryUseMode.TRAINING, CacheMode.NONE, DataType.FLOAT);
        assertTrue(inference > 0 && training > inference, inference + " / " + training);
        assertTrue(conf().getMemoryReport(InputType.recurrent(4, 7, RNNFormat.NWC))
                .getTotalMemoryBytes(8, MemoryUseMode.TRAINING, CacheMode.NONE, DataType.FLOAT) > training);
    }

    @Test
    void jsonAndYamlRoundTrip() {
        MultiLayerConfiguration fromJson = LayerTestData.assertJsonAndYamlRoundTrip(conf());

        FusedSimpleRnn l0 = (FusedSimpleRnn) fromJson.getConf(0).getLayer();
        assertEquals(RNNFormat.NWC, l0.getRnnDataFormat());
        assertEquals(5, l0.getNOut());
        assertInstanceOf(SpatialDropout.class, l0.getIDropout());
        assertEquals(1, l0.getConstraints().size());
        Bidirectional bi = (Bidirectional) fromJson.getConf(1).getLayer();
        assertInstanceOf(FusedSimpleRnn.class, bi.getFwd());
        assertInstanceOf(ActivationSoftSign.class, ((FusedSimpleRnn) bi.getFwd()).getActivationFn());

        // equals() is not vacuous, and a DL4J SimpleRnn with the same settings is a different configuration (in
        // both directions: SimpleRnn's own equals would otherwise accept the subclass).
        FusedSimpleRnn changed = (FusedSimpleRnn) l0.clone();
        changed.setNOut(6);
        assertNotEquals(l0, changed);
        SimpleRnn plain = new SimpleRnn.Builder().nIn(3).nOut(4).activation(Activation.TANH).build();
        Layer fused = new FusedSimpleRnn.Builder().nIn(3).nOut(4).activation(Activation.TANH).build();
        assertNotEquals(plain, fused);
        assertNotEquals(fused, plain);
        Layer same = new FusedSimpleRnn.Builder().nIn(3).nOut(4).activation(Activation.TANH).build();
        assertEquals(fused, same);
        assertEquals(fused.hashCode(), same.hashCode());
    }

    @Test
    void modelSerializerRoundTrip(@TempDir Path dir) throws Exception {
        MultiLayerNetwork restored = LayerTestData.assertModelSerializerRoundTrip(conf(),
                dir.resolve("fused-rnn.zip").toFile());
        assertInstanceOf(FusedSimpleRnnLayer.class, restored.getLayer(0));
    }

    @Test
    void sentimentFactoryBuildsFusedSimpleRnnForCellRnn() {
        SentimentConfig cfg = (SentimentConfig) ConfigLoader.parse("""
                task: sentiment
                data: {vocab_size: 20, max_len: 6}
                model: {cell: rnn, embedding_size: 4, hidden_size: 3, layers: 2, input_dropout: 0.5}
                """, "test");
        MultiLayerConfiguration conf = SentimentModelFactory.build(cfg, 20);
        for (int i : new int[] {1, 2}) {
            Layer l = conf.getConf(i).getLayer();
            while (l instanceof BaseWrapperLayer w) {
                l = w.getUnderlying();
            }
            assertInstanceOf(FusedSimpleRnn.class, l, "layer " + i);
            assertInstanceOf(ActivationTanH.class, ((FusedSimpleRnn) l).getActivationFn());
            assertInstanceOf(SequenceDropout.class, ((FusedSimpleRnn) l).getIDropout());
        }
        assertInstanceOf(RecurrentMask.class, conf.getConf(1).getLayer());

        MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(conf.toJson()));
        net.init();
        for (int i : new int[] {1, 2}) {
            org.deeplearning4j.nn.api.Layer impl = net.getLayer(i);
            while (impl instanceof org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer w) {
                impl = w.getUnderlying();
            }
            assertInstanceOf(FusedSimpleRnnLayer.class, impl, "layer " + i);
        }
    }
}
