package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.SparseSoftmaxOutput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * {@link FusedLstm} and {@link SparseSoftmaxOutput} configurations survive DL4J's JSON and YAML round trips with all
 * their settings, and a network using them survives ModelSerializer (configuration, parameters, and outputs).
 */
class FusedLstmSerializationTest {

    private static MultiLayerConfiguration conf() {
        return new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.FLOAT).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new FusedLstm.Builder().nIn(4).nOut(5).activation(Activation.TANH)
                        .gateActivationFunction(Activation.HARDSIGMOID).forgetGateBiasInit(0.25)
                        .weightInitRecurrent(WeightInit.UNIFORM).dropOut(0.9).dataFormat(RNNFormat.NWC).build())
                .layer(new Bidirectional(Bidirectional.Mode.ADD,
                        new FusedLstm.Builder().nIn(5).nOut(3).activation(Activation.SOFTSIGN)
                                .dataFormat(RNNFormat.NWC).build()))
                .layer(new SparseSoftmaxOutput.Builder().nIn(3).nOut(6).dataFormat(RNNFormat.NWC).build())
                .build();
    }

    @Test
    void jsonAndYamlRoundTrip() {
        MultiLayerConfiguration fromJson = LayerTestData.assertJsonAndYamlRoundTrip(conf());

        FusedLstm l0 = (FusedLstm) fromJson.getConf(0).getLayer();
        assertEquals(0.25, l0.getForgetGateBiasInit());
        assertInstanceOf(ActivationHardSigmoid.class, l0.getGateActivationFn());
        assertEquals(RNNFormat.NWC, l0.getRnnDataFormat());
        SparseSoftmaxOutput out = (SparseSoftmaxOutput) fromJson.getConf(2).getLayer();
        assertEquals(RNNFormat.NWC, out.getRnnDataFormat());
        assertEquals(6, out.getNOut());

        // equals() is not vacuous: a different forget gate bias makes a different configuration.
        FusedLstm changed = (FusedLstm) l0.clone();
        changed.setForgetGateBiasInit(1.0);
        assertNotEquals(l0, changed);
    }

    @Test
    void modelSerializerRoundTrip(@TempDir Path dir) throws Exception {
        MultiLayerNetwork restored = LayerTestData.assertModelSerializerRoundTrip(conf(),
                dir.resolve("fused.zip").toFile());
        assertInstanceOf(FusedLstmLayer.class, restored.getLayer(0));
        assertInstanceOf(SparseSoftmaxOutputLayer.class, restored.getOutputLayer());
    }
}
