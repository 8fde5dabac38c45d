package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.SparseSoftmaxOutput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The weight layout of {@link SparseSoftmaxOutput}: row-major for new configurations, kept through JSON, and
 * column-major (DL4J's, as before the setting existed) for a configuration saved without it, so that older models
 * still read their parameter vectors correctly.
 */
class SparseSoftmaxOutputLayoutTest {

    private static MultiLayerConfiguration conf(SparseSoftmaxOutput.Builder out) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).list()
                .layer(new FusedLstm.Builder().nIn(3).nOut(4).activation(Activation.TANH).build())
                .layer(out.nIn(4).nOut(5).build())
                .build();
    }

    private static char weightOrder(MultiLayerConfiguration c) {
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net.getOutputLayer().getParam("W").ordering();
    }

    @Test
    void newConfigurationsAreRowMajorAndJsonKeepsIt() {
        MultiLayerConfiguration c = conf(new SparseSoftmaxOutput.Builder());
        assertTrue(((SparseSoftmaxOutput) c.getConf(1).getLayer()).isRowMajorWeights());
        assertEquals('c', weightOrder(c));
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(c.toJson());
        assertEquals(c, back);
        assertEquals('c', weightOrder(back));
    }

    @Test
    void configurationSavedBeforeTheSettingReadsColumnMajor() {
        String json = conf(new SparseSoftmaxOutput.Builder()).toJson();
        assertTrue(json.contains("\"rowMajorWeights\" : true"), "field name in the JSON");
        String old = json.replace("\"rowMajorWeights\" : true,", "").replace(",\n      \"rowMajorWeights\" : true", "");
        assertFalse(old.contains("rowMajorWeights"), "field removed");
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(old);
        assertFalse(((SparseSoftmaxOutput) back.getConf(1).getLayer()).isRowMajorWeights());
        assertEquals('f', weightOrder(back));
        assertEquals('f', weightOrder(conf(new SparseSoftmaxOutput.Builder().rowMajorWeights(false))));
    }
}
