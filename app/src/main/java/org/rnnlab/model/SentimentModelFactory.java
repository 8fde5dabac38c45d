package org.rnnlab.model;

import org.rnnlab.nn.RecurrentMask;
import org.rnnlab.nn.params.OrthogonalInit;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.rnnlab.config.SentimentConfig;
import org.rnnlab.nn.FusedLstm;
import org.rnnlab.nn.FusedSimpleRnn;
import org.rnnlab.nn.Gru;
import org.rnnlab.nn.LastStep;
import org.rnnlab.nn.SequenceDropout;
import org.rnnlab.nn.SequenceEmbedding;

/**
 * Builds a sentiment classifier as a DL4J {@link MultiLayerConfiguration}: {@link EmbeddingSequenceLayer}
 * → {@code layers} recurrent layers (rnnlab's {@link FusedSimpleRnn}, {@link FusedLstm} or {@link Gru}), each in
 * DL4J's {@link Bidirectional} wrapper when asked → pooling over time → dropout → {@link OutputLayer}.
 * {@code cell: rnn} is {@link FusedSimpleRnn}: the function, parameters and initialisation of DL4J's
 * {@code SimpleRnn}, computed with a few large operations instead of DL4J's many small per-step ones (where
 * training with DL4J's layer spent most of its time).
 *
 * <p>Every part honours the feature mask {@code [mb, max_len]}: the embedding zeroes padded steps,
 * each recurrent layer gets the mask through {@link RecurrentMask} (DL4J's LSTM would otherwise run
 * over the padding), {@code last} pooling is {@link LastStep} (DL4J's {@code LastTimeStep} wrapper: the last
 * unmasked step of each review), {@code max}/{@code mean} a {@link GlobalPoolingLayer} that skips masked steps.
 *
 * <p>Initialisation and optimizer follow Keras' defaults, the tutorial's setting: embeddings
 * uniform in ±0.05, input kernels Glorot-uniform, recurrent kernels orthogonal, biases 0 (LSTM
 * forget gate 1), Adam with ε = 1e-7. DL4J's {@code dropOut(p)} takes the probability to
 * <em>retain</em>, so the config's Keras drop rates become {@code 1 - rate}.
 */
public final class SentimentModelFactory {

    private SentimentModelFactory() {
    }

    public static MultiLayerConfiguration build(SentimentConfig config, int vocabSize) {
        SentimentConfig.Model m = config.model();
        SentimentConfig.Train t = config.train();
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                .seed(config.seed())
                .dataType(DataType.FLOAT)
                .updater(new Adam.Builder().learningRate(t.learningRate()).epsilon(1e-7).build())
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .biasInit(0.0)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
        if (t.l2() > 0) {
            base.l2(t.l2());
        }
        NeuralNetConfiguration.ListBuilder list = base.list();
        list.layer(SequenceEmbedding.of(new EmbeddingSequenceLayer.Builder()
                .nIn(vocabSize).nOut(m.embeddingSize())
                .inputLength(config.data().maxLen())
                .activation(Activation.IDENTITY)
                .weightInit(new WeightInitDistribution(new UniformDistribution(-0.05, 0.05)))
                .outputDataFormat(RNNFormat.NCW)
                .build()));
        int directions = m.bidirectional() ? 2 : 1;
        int nIn = m.embeddingSize();
        for (int i = 0; i < m.layers(); i++) {
            Layer layer = recurrent(m, nIn);
            if (m.bidirectional()) {
                layer = new Bidirectional(Bidirectional.Mode.CONCAT, layer);
            }
            layer = new RecurrentMask(layer);
            if (i == m.layers() - 1 && m.pooling().equals("last")) {
                layer = new LastStep(layer);
            }
            list.layer(layer);
            nIn = m.hiddenSize() * directions;
        }
        if (!m.pooling().equals("last")) {
            list.layer(new GlobalPoolingLayer.Builder(m.pooling().equals("max") ? PoolingType.MAX : PoolingType.AVG)
                    .collapseDimensions(true).build());
        }
        SentimentOutput output = SentimentOutput.of(m.output());
        OutputLayer.Builder out = new OutputLayer.Builder(output == SentimentOutput.SOFTMAX
                ? LossFunctions.LossFunction.MCXENT : LossFunctions.LossFunction.XENT)
                .nIn(nIn).nOut(output.units())
                .activation(output == SentimentOutput.SOFTMAX ? Activation.SOFTMAX : Activation.SIGMOID);
        if (m.dropout() > 0) {
            // A layer's dropout applies to its input: here, the pooled features (Keras' Dropout layer).
            out.dropOut(1.0 - m.dropout());
        }
        list.layer(out.build());
        return list.build();
    }

    private static Layer recurrent(SentimentConfig.Model m, int nIn) {
        BaseRecurrentLayer.Builder<?> b = switch (m.cell()) {
            case "rnn" -> new FusedSimpleRnn.Builder().activation(Activation.TANH);
            // rnnlab's FusedLstm, not DL4J's LSTM: with a mask that pads before the words (Keras' default
            // "pre", and always for a Bidirectional layer's backward direction) DL4J's LSTM gets the
            // gradient of the first time step wrong (SentimentGradientCheckTest found it); FusedLstm has
            // the same equations and parameters, and is faster.
            case "lstm" -> new FusedLstm.Builder().activation(Activation.TANH)
                    .gateActivationFunction(Activation.SIGMOID).forgetGateBiasInit(1.0);
            case "gru" -> new Gru.Builder().activation(Activation.TANH).gateActivationFunction(Activation.SIGMOID);
            default -> throw new IllegalArgumentException("Unknown cell " + m.cell());
        };
        b.nIn(nIn).nOut(m.hiddenSize())
                .weightInitRecurrent(new OrthogonalInit())
                .dataFormat(RNNFormat.NCW);
        if (m.inputDropout() > 0) {
            // Keras' recurrent-layer dropout: one mask per review and input feature, shared by all
            // time steps: DL4J's SpatialDropout on [mb, features, time], in SequenceDropout's faster form.
            b.dropOut(new SequenceDropout(1.0 - m.inputDropout()));
        }
        return b.build();
    }
}
