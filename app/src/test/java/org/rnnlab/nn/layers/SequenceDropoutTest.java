package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedSimpleRnn;
import org.rnnlab.nn.SequenceDropout;
import org.rnnlab.nn.cpu.kernel.DirectArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link SequenceDropout} gives exactly DL4J's {@link SpatialDropout} (same random mask under the same seed, same
 * output and input gradient) on contiguous and permuted activations (channels innermost, time innermost, time-major,
 * with gaps), through each of its paths.
 */
class SequenceDropoutTest {

    @AfterEach
    void restore() {
        DirectArray.enabled = true;
        DirectArray.vectorEnabled = true;
    }

    private static INDArray[] run(IDropout d, INDArray in, INDArray gradOut, boolean inPlace) {
        Nd4j.getRandom().setSeed(77);
        INDArray out = d.applyDropout(in, inPlace ? in : Nd4j.createUninitialized(in.dataType(), in.shape()), 0, 0,
                LayerWorkspaceMgr.noWorkspaces());
        INDArray gradIn = d.backprop(gradOut, inPlace ? gradOut : Nd4j.createUninitialized(in.dataType(),
                in.shape()), 0, 0);
        return new INDArray[] {out.dup(), gradIn.dup()};
    }

    /** Activations of shape [6, 9, 5] in the layouts the layers produce, the same values on every call. */
    private static INDArray layout(int kind, DataType dt, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return switch (kind) {
            case 0 -> Nd4j.rand(dt, 6, 9, 5);
            // [mb, T, C] seen as [mb, C, T]: the embedding's output.
            case 1 -> Nd4j.rand(dt, 6, 5, 9).permute(0, 2, 1);
            // [T, mb, C] seen as [mb, C, T]: a recurrent layer's time-major output.
            case 2 -> Nd4j.rand(dt, 5, 6, 9).permute(1, 2, 0);
            // A view with gaps between its elements.
            default -> Nd4j.rand(dt, 6, 9, 8).get(NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(1, 6));
        };
    }

    /** Paths: Vector API on native memory, Java arrays, ND4J's broadcast. */
    @ParameterizedTest
    @ValueSource(strings = {"vector", "java arrays", "nd4j"})
    void sameAsSpatialDropout(String path) {
        DirectArray.enabled = !path.equals("nd4j");
        DirectArray.vectorEnabled = path.equals("vector");
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int kind = 0; kind < 4; kind++) {
                for (boolean inPlace : new boolean[] {false, true}) {
                    String what = dt + " layout " + kind + (inPlace ? " in place" : "");
                    INDArray[] expected = run(new SpatialDropout(0.6), layout(kind, dt, 1), layout(kind, dt, 2),
                            inPlace);
                    INDArray[] actual = run(new SequenceDropout(0.6), layout(kind, dt, 1), layout(kind, dt, 2),
                            inPlace);
                    assertEquals(expected[0], actual[0], what + " output");
                    assertEquals(expected[1], actual[1], what + " gradient");
                    assertNotEquals(layout(kind, dt, 1), actual[0], what + ": something was dropped");
                }
            }
        }
    }

    @Test
    void keepsChannelsWholeOverTime() {
        INDArray out = run(new SequenceDropout(0.5), Nd4j.ones(DataType.FLOAT, 3, 8, 4), Nd4j.ones(3, 8, 4),
                false)[0];
        for (int n = 0; n < 3; n++) {
            for (int c = 0; c < 8; c++) {
                double first = out.getDouble(n, c, 0);
                assertEquals(first == 0 ? 0.0 : 2.0, first);
                for (int t = 1; t < 4; t++) {
                    assertEquals(first, out.getDouble(n, c, t));
                }
            }
        }
    }

    @Test
    void rejectsBadProbabilityAndBackpropWithoutForward() {
        assertThrows(IllegalArgumentException.class, () -> new SequenceDropout(0.0));
        assertThrows(IllegalArgumentException.class, () -> new SequenceDropout(1.5));
        assertThrows(IllegalStateException.class,
                () -> new SequenceDropout(0.5).backprop(Nd4j.ones(2, 2, 2), Nd4j.ones(2, 2, 2), 0, 0));
    }

    @Test
    void jsonRoundTrip() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new FusedSimpleRnn.Builder().nIn(3).nOut(4).activation(Activation.TANH)
                        .dropOut(new SequenceDropout(0.75)).build())
                .build();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(new SequenceDropout(0.75), back.getConf(0).getLayer().getIDropout());
        assertEquals(conf, back);
    }
}
