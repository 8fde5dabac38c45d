package org.rnnlab.nn.layers;

import org.rnnlab.nn.Gru;

import java.util.Map;

import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Small helpers shared by the GRU tests: deterministic data, masks, parameter randomisation. */
final class GruTestSupport {

    private GruTestSupport() {
    }

    /** Mask [mb, T] from rows of 0/1. */
    static INDArray mask(int[][] rows) {
        return GradientCheckSupport.mask(rows);
    }

    /**
     * Replaces the parameters of every Gru (also inside wrappers) by random values, biases included: default bias
     * init is 0, and zero biases would leave the bias gradients' interaction with the reset gate untested.
     */
    static void randomiseGruParams(MultiLayerNetwork net, long seed) {
        long s = seed;
        for (int i = 0; i < net.getnLayers(); i++) {
            if (!isGru(net.getLayerWiseConfigurations().getConf(i).getLayer())) {
                continue;
            }
            // Keys are W, RW, b, or the same with Bidirectional's f/b prefix: biases are the keys ending in "b".
            for (Map.Entry<String, INDArray> e : net.getLayer(i).paramTable().entrySet()) {
                INDArray p = e.getValue();
                p.assign(LayerTestData.uniform(s++, e.getKey().endsWith("b") ? 0.5 : 0.8, p.shape()));
            }
        }
    }

    /** A Gru configuration, possibly inside Bidirectional / LastTimeStep wrappers. */
    private static boolean isGru(org.deeplearning4j.nn.conf.layers.Layer conf) {
        if (conf instanceof Bidirectional) {
            return isGru(((Bidirectional) conf).getFwd());
        }
        if (conf instanceof BaseWrapperLayer) {
            return isGru(((BaseWrapperLayer) conf).getUnderlying());
        }
        return conf instanceof Gru;
    }

    /** Softmax cross-entropy score as MultiLayerNetwork computes it: summed over steps and examples, divided by mb. */
    static double mcxent(INDArray probs, INDArray labels) {
        return -labels.mul(Transforms.log(probs, true)).sumNumber().doubleValue() / probs.size(0);
    }
}
