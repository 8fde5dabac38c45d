package org.rnnlab.model;

import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.rnnlab.config.LmConfig;
import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.Gru;
import org.rnnlab.nn.SequenceEmbedding;
import org.rnnlab.nn.SparseSoftmaxOutput;
import org.rnnlab.nn.RecurrentWeightDrop;
import org.rnnlab.nn.TiedSoftmaxOutput;

/**
 * Builds the language model of Zaremba et al. 2014 as a DL4J {@link MultiLayerConfiguration}:
 * word embedding, stacked recurrent layers, softmax over the vocabulary, with dropout on the
 * non-recurrent connections only (DL4J applies a layer's dropout to its input, so each recurrent
 * layer and the output layer carry it) and truncated BPTT over {@code num_steps}.
 */
public final class LmModelFactory {

    private LmModelFactory() {
    }

    public static MultiLayerConfiguration build(LmConfig config, int vocabSize) {
        LmConfig.Model m = config.model();
        LmConfig.Train t = config.train();
        double s = m.initScale();
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(config.seed())
                .dataType(DataType.FLOAT)
                .updater(t.optimizer().equals("adam") ? new Adam(t.learningRate()) : new Sgd(t.learningRate()))
                .weightInit(new WeightInitDistribution(new UniformDistribution(-s, s)))
                .biasInit(0.0)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .list();
        int layer = 0;
        SequenceEmbedding embedding = SequenceEmbedding.of(new EmbeddingSequenceLayer.Builder()
                .nIn(vocabSize).nOut(m.embeddingSize())
                .inputLength(t.numSteps())
                .outputDataFormat(RNNFormat.NCW)
                .build());
        if (m.dropoutEmbedding() > 0) {
            embedding.withWordDropout(m.dropoutEmbedding());
        }
        list.layer(layer++, embedding);
        int nIn = m.embeddingSize();
        for (int i = 0; i < m.layers(); i++) {
            Layer rnn = recurrent(m, nIn);
            LockedDropout.onInput(rnn, i == 0 ? m.dropoutInput() : m.dropoutHidden());
            if (m.dropoutRecurrent() > 0) {
                ((BaseLayer) rnn).setWeightNoise(new RecurrentWeightDrop(m.dropoutRecurrent()));
            }
            list.layer(layer++, rnn);
            nIn = m.hiddenSize();
        }
        Layer out = output(m, nIn, vocabSize);
        LockedDropout.onInput(out, m.dropoutOutput());
        list.layer(layer, out);
        return list.backpropType(BackpropType.TruncatedBPTT)
                .tBPTTForwardLength(t.numSteps())
                .tBPTTBackwardLength(t.numSteps())
                .build();
    }

    private static Layer output(LmConfig.Model m, int nIn, int vocabSize) {
        if (m.tieWeights()) {
            // The embedding's weights, transposed: its size is nIn (checked with the config).
            return withDropout(new TiedSoftmaxOutput.Builder().nIn(nIn).nOut(vocabSize).dataFormat(RNNFormat.NCW),
                    m.keepProbability()).build();
        }
        if (m.impl().equals("fused")) {
            SparseSoftmaxOutput.Builder out = new SparseSoftmaxOutput.Builder().nIn(nIn).nOut(vocabSize)
                    .dataFormat(RNNFormat.NCW);
            return withDropout(out, m.keepProbability()).build();
        }
        RnnOutputLayer.Builder out = new RnnOutputLayer.Builder(LossFunctions.LossFunction.SPARSE_MCXENT)
                .nIn(nIn).nOut(vocabSize)
                .activation(Activation.SOFTMAX)
                .dataFormat(RNNFormat.NCW);
        return withDropout(out, m.keepProbability()).build();
    }

    private static Layer recurrent(LmConfig.Model m, int nIn) {
        return switch (m.cell()) {
            case "gru" -> {
                Gru.Builder b = new Gru.Builder()
                        .nIn(nIn).nOut(m.hiddenSize())
                        .activation(Activation.TANH)
                        .gateActivationFunction(Activation.SIGMOID)
                        .dataFormat(RNNFormat.NCW);
                yield withDropout(b, m.keepProbability()).build();
            }
            case "lstm" -> {
                if (m.impl().equals("fused")) {
                    FusedLstm.Builder b = new FusedLstm.Builder()
                            .nIn(nIn).nOut(m.hiddenSize())
                            .activation(Activation.TANH)
                            .gateActivationFunction(Activation.SIGMOID)
                            .forgetGateBiasInit(0.0)
                            .dataFormat(RNNFormat.NCW);
                    yield withDropout(b, m.keepProbability()).build();
                }
                LSTM.Builder b = new LSTM.Builder()
                        .nIn(nIn).nOut(m.hiddenSize())
                        .activation(Activation.TANH)
                        .gateActivationFunction(Activation.SIGMOID)
                        // The tutorial's forget_bias is 0; DL4J's default of 1 would change the model.
                        .forgetGateBiasInit(0.0)
                        .dataFormat(RNNFormat.NCW);
                yield withDropout(b, m.keepProbability()).build();
            }
            default -> throw new IllegalArgumentException("Unsupported cell for the language model: " + m.cell());
        };
    }

    /**
     * Zaremba's dropout on non-recurrent connections: DL4J drops a layer's input, and its value is
     * the keep probability (the config's {@code dropout} is the drop rate).
     */
    private static <T extends Layer.Builder<T>> T withDropout(T builder, double keepProb) {
        if (keepProb < 1.0) {
            builder.dropOut(keepProb);
        }
        return builder;
    }
}
