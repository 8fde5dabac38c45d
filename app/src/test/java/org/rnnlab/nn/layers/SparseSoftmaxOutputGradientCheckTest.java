package org.rnnlab.nn.layers;

import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.SparseSoftmaxOutput;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link SparseSoftmaxOutput} backprop gradients against central finite differences of the network score, in double
 * precision, with DL4J's {@link GradientCheckUtil} and the settings of DL4J's own gradient-check tests (epsilon 1e-6,
 * max relative error 1e-3, min absolute error 1e-8, no-op updater, no dropout). The score side of the check runs the
 * layer's own loss computation (not the value cached by backprop), so both paths are exercised.
 */
class SparseSoftmaxOutputGradientCheckTest extends GradientCheckSupport {

    private static final int VOCAB = 7;

    @Test
    void embeddingInputNoMask() {
        MultiLayerNetwork net = init(base().list()
                .layer(embedding(5, RNNFormat.NCW))
                .layer(new SparseSoftmaxOutput.Builder().nIn(4).nOut(VOCAB).build())
                .build());
        check("EmbeddingSequenceLayer + SparseSoftmaxOutput", net, words(1, 3, 5), labels(2, 3, 5), null);
    }

    @Test
    void embeddingInputWithLabelMask() {
        MultiLayerNetwork net = init(base().list()
                .layer(embedding(5, RNNFormat.NCW))
                .layer(new SparseSoftmaxOutput.Builder().nIn(4).nOut(VOCAB).build())
                .build());
        INDArray m = mask(new int[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}, {0, 1, 0, 1, 1}});
        check("EmbeddingSequenceLayer + SparseSoftmaxOutput, label mask", net, words(3, 3, 5), labels(4, 3, 5), m);
    }

    @Test
    void embeddingNwcWithoutBias() {
        MultiLayerNetwork net = init(base().list()
                .layer(embedding(4, RNNFormat.NWC))
                .layer(new SparseSoftmaxOutput.Builder().nIn(4).nOut(VOCAB).hasBias(false)
                        .dataFormat(RNNFormat.NWC).build())
                .build());
        INDArray nwcLabels = labels(6, 2, 4).permute(0, 2, 1).dup();
        check("EmbeddingSequenceLayer NWC + SparseSoftmaxOutput NWC without bias", net, words(5, 2, 4), nwcLabels,
                null);
    }

    @Test
    void behindFusedLstmWithMask() {
        check("Embedding + FusedLstm + SparseSoftmaxOutput, label mask", embeddingFusedLstm(), words(7, 2, 6),
                labels(8, 2, 6), lstmMask());
    }

    @Test
    void behindFusedLstmWithMaskWeightGradientInBackground() {
        MultiLayerNetwork net = embeddingFusedLstm();
        ((SparseSoftmaxOutputLayer) net.getOutputLayer()).setOverlapWeightGradient(true);
        // The background product runs only with two or more BLAS threads (tests run with one).
        LayerTestData.withBlasThreads(2, () -> check("Embedding + FusedLstm + SparseSoftmaxOutput, label mask, dW in"
                + " the background", net, words(7, 2, 6), labels(8, 2, 6), lstmMask()));
    }

    private static INDArray lstmMask() {
        return mask(new int[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}});
    }

    private static MultiLayerNetwork embeddingFusedLstm() {
        return init(base().list()
                .layer(embedding(6, RNNFormat.NCW))
                .layer(new FusedLstm.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new SparseSoftmaxOutput.Builder().nIn(5).nOut(VOCAB).build())
                .build());
    }

    @Test
    void behindDl4jLstm() {
        // DL4J's LSTM output is [mb, n, T] in 'f' order, neither time- nor batch-major rows: the copy path.
        MultiLayerNetwork net = init(base().list()
                .layer(new LSTM.Builder().nIn(3).nOut(4).activation(Activation.TANH).build())
                .layer(new SparseSoftmaxOutput.Builder().nIn(4).nOut(VOCAB).build())
                .build());
        check("DL4J LSTM + SparseSoftmaxOutput", net, LayerTestData.uniform(9, 1.0, 3, 3, 4),
                labels(10, 3, 4), null);
    }

    private static EmbeddingSequenceLayer embedding(int steps, RNNFormat fmt) {
        return new EmbeddingSequenceLayer.Builder().nIn(VOCAB).nOut(4).inputLength(steps).outputDataFormat(fmt)
                .build();
    }

    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // Non-zero biases, so that their gradients are not trivially 0 at the start.
        net.params().addi(LayerTestData.uniform(77, 0.1, net.params().shape()));
        return net;
    }

    /** Word indices [mb, T] as EmbeddingSequenceLayer takes them. */
    private static INDArray words(long seed, int mb, int t) {
        return indexLabels(seed, mb, VOCAB, t).reshape(mb, t);
    }

    /** Class indices [mb, 1, T]. */
    private static INDArray labels(long seed, int mb, int t) {
        return indexLabels(seed, mb, VOCAB, t);
    }

    private static void check(String name, MultiLayerNetwork net, INDArray in, INDArray labels, INDArray lMask) {
        check(name, net, in, labels, null, lMask);
    }
}
