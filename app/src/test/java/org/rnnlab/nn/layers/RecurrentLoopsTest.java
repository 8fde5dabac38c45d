package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.SequenceEmbedding;
import org.rnnlab.nn.SparseSoftmaxOutput;
import org.rnnlab.nn.cpu.kernel.RecurrentParallel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.rnnlab.train.TbpttStep;

/**
 * Which layers split their loops over threads, and that {@link TbpttStep} keeps the output layer's background weight
 * gradient to networks whose loops leave a core free.
 */
class RecurrentLoopsTest {

    private static final int VOCAB = 12;
    private static final int T = 5;

    static {
        Nd4j.create(1); // loads the backend first: loading it sets OpenBLAS's thread count from OMP_NUM_THREADS
    }

    @Test
    void loopsUseAllThreadsWhenSplitByUnitsOrByExamples() {
        LayerTestData.withBlasThreads(2, () -> {
            assertEquals(false, usesAllThreads(net(RecurrentParallel.MIN_UNITS_PER_PART), 2), "one part of units");
            assertEquals(true, usesAllThreads(net(2 * RecurrentParallel.MIN_UNITS_PER_PART), 2), "two parts of units");
            assertEquals(true, usesAllThreads(net(8), 2 * RecurrentParallel.MIN_EXAMPLES_PER_PART), "two of examples");
            assertEquals(false, usesAllThreads(net(8), 2 * RecurrentParallel.MIN_EXAMPLES_PER_PART - 1),
                    "too few examples for two parts");
        });
        int large = 2 * RecurrentParallel.MIN_EXAMPLES_PER_PART;
        LayerTestData.withBlasThreads(1, () -> assertEquals(false,
                usesAllThreads(net(2 * RecurrentParallel.MIN_UNITS_PER_PART), large), "one thread: never split"));
    }

    @Test
    void tbpttStepOverlapsTheOutputWeightGradientOnlyBesideUnsplitLoops() {
        LayerTestData.withBlasThreads(2, () -> {
            assertEquals(true, overlapAfterOneStep(net(8), 2));
            assertEquals(false, overlapAfterOneStep(net(2 * RecurrentParallel.MIN_UNITS_PER_PART), 2));
            // Decided again when the batch size changes: a batch large enough to split by examples.
            MultiLayerNetwork net = net(8);
            TbpttStep step = new TbpttStep(net);
            step.fit(features(2), labels(2));
            assertEquals(true, output(net).overlapsWeightGradient());
            net.rnnClearPreviousState();
            int large = 2 * RecurrentParallel.MIN_EXAMPLES_PER_PART;
            step.fit(features(large), labels(large));
            assertEquals(false, output(net).overlapsWeightGradient());
        });
    }

    private static boolean usesAllThreads(MultiLayerNetwork net, int mb) {
        return RecurrentLoops.anyUsesAllThreads(net.getLayers(), mb);
    }

    private static boolean overlapAfterOneStep(MultiLayerNetwork net, int mb) {
        double score = new TbpttStep(net).fit(features(mb), labels(mb));
        assertEquals(true, Double.isFinite(score));
        return output(net).overlapsWeightGradient();
    }

    private static SparseSoftmaxOutputLayer output(MultiLayerNetwork net) {
        return (SparseSoftmaxOutputLayer) net.getOutputLayer();
    }

    /** Embedding, one FusedLstm of {@code units}, sparse softmax output; truncated BPTT over the whole window. */
    private static MultiLayerNetwork net(int units) {
        MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.FLOAT).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER).list()
                .layer(SequenceEmbedding.of(new EmbeddingSequenceLayer.Builder().nIn(VOCAB).nOut(4).inputLength(T)
                        .outputDataFormat(RNNFormat.NCW).build()))
                .layer(new FusedLstm.Builder().nIn(4).nOut(units).activation(Activation.TANH).build())
                .layer(new SparseSoftmaxOutput.Builder().nIn(units).nOut(VOCAB).dataFormat(RNNFormat.NCW).build())
                .backpropType(BackpropType.TruncatedBPTT).tBPTTLength(T)
                .build());
        n.init();
        return n;
    }

    private static INDArray features(int mb) {
        return GradientCheckSupport.indexLabels(5, mb, VOCAB, T).reshape(mb, T).castTo(DataType.FLOAT);
    }

    private static INDArray labels(int mb) {
        return GradientCheckSupport.indexLabels(6, mb, VOCAB, T).castTo(DataType.FLOAT);
    }
}
