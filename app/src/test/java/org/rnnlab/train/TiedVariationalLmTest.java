package org.rnnlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.LmCorpus;
import org.rnnlab.data.lm.TokenWindows;
import org.rnnlab.model.LmModelFactory;
import org.rnnlab.generate.Sampler;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;
import org.rnnlab.nn.layers.TiedSoftmaxOutputLayer;

/**
 * A tiny language model with tied weights and every variational dropout key trains through the real trainer (TBPTT
 * with carried state, global-norm clipping, the one-pass SGD update): perplexity falls, an interrupted run resumed
 * from its checkpoint ends with the parameters of an uninterrupted one, and the saved model samples.
 */
class TiedVariationalLmTest {

    @TempDir
    Path dir;

    private static LmConfig config(int epochs) {
        return (LmConfig) ConfigLoader.parse("""
                task: lm
                name: tied
                seed: 7
                data: {vocab_size: 50}
                model: {cell: lstm, layers: 2, hidden_size: 16, init_scale: 0.3, tie_weights: true, dropout_input: 0.2,
                        dropout_hidden: 0.2, dropout_output: 0.2, dropout_embedding: 0.05, dropout_recurrent: 0.1}
                train: {batch_size: 4, num_steps: 8, epochs: %d, learning_rate: 1.0, max_epoch: 3, lr_decay: 0.5,
                        max_grad_norm: 5}
                """.formatted(epochs), "tied");
    }

    private static LmTrainer.Result train(LmConfig cfg, LmCorpus corpus, RunDirectory run, boolean resume,
                                          StopRequest stop) {
        return LmTrainer.train(new LmTrainer.Request(cfg, corpus, run, resume, true, stop));
    }

    @Test
    void onePassSgdUpdateWithClippingEqualsDl4jSolverForTiedWeights() {
        LmConfig cfg = (LmConfig) ConfigLoader.parse(ConfigLoader.toYaml(TinyLm.config(""))
                .replace("dropout: 0.2", "dropout: 0.0")
                .replace("tie_weights: false", "tie_weights: true"), "tiny");
        assertTrue(cfg.model().tieWeights());
        LmCorpus corpus = TinyLm.corpus();
        MultiLayerNetwork[] nets = new MultiLayerNetwork[2];
        GlobalNormClipping[] clips = new GlobalNormClipping[2];
        for (int i = 0; i < 2; i++) {
            nets[i] = new MultiLayerNetwork(LmModelFactory.build(cfg, corpus.vocabulary().size()));
            nets[i].init();
            clips[i] = new GlobalNormClipping(1.2);
            nets[i].setListeners(clips[i]);
        }
        TbpttStep solver = new TbpttStep(nets[0], false);
        TbpttStep onePass = new TbpttStep(nets[1]);
        assertTrue(onePass.updatesInOnePass(), "the tied network keeps the one-pass update");
        TokenWindows w = new TokenWindows(corpus.train(), 2, 4);
        boolean clipped = false;
        for (int k = 0; k < 8; k++) {
            double a = solver.fit(w.features(k), w.labels(k));
            double b = onePass.fit(w.features(k), w.labels(k));
            assertEquals(a, b, 1e-5 * Math.abs(a), "score of step " + k);
            clipped |= clips[0].lastNorm() > 1.2;
            double diff = nets[0].params().sub(nets[1].params()).norm2Number().doubleValue();
            assertTrue(diff <= 1e-5 * nets[0].params().norm2Number().doubleValue(), "after step " + k + ": " + diff);
        }
        assertTrue(clipped, "some steps clipped");
    }

    @Test
    void trainsResumesAndSamples() {
        LmConfig cfg = config(3);
        LmCorpus corpus = TinyLm.corpus(200);
        RunDirectory straight = RunDirectory.create(dir.resolve("straight"), cfg);
        LmTrainer.Result r = train(cfg, corpus, straight, false, StopRequest.manual());
        assertEquals(3, r.epochs().size());
        assertTrue(r.epochs().get(2).validPerplexity() < r.epochs().get(0).validPerplexity(), r.epochs().toString());
        assertTrue(r.epochs().get(2).validPerplexity() < 0.6 * corpus.vocabulary().size(), r.epochs().toString());

        RunDirectory broken = RunDirectory.create(dir.resolve("broken"), cfg);
        StopRequest stop = StopRequest.manual();
        stop.request(); // stops after the first step, mid-epoch
        assertTrue(train(cfg, corpus, broken, false, stop).interrupted());
        assertFalse(train(cfg, corpus, broken, true, StopRequest.manual()).interrupted());
        INDArray a = ModelFile.read(straight.checkpoint(), false).network().params();
        INDArray b = ModelFile.read(broken.checkpoint(), false).network().params();
        assertEquals(0.0, a.sub(b).norm2Number().doubleValue() / a.norm2Number().doubleValue(), 1e-5);

        ModelFile.Loaded best = ModelFile.read(straight.best(), ModelKind.LM, "sample", false);
        MultiLayerNetwork net = best.network();
        assertTrue(net.getOutputLayer() instanceof TiedSoftmaxOutputLayer, "loaded with its tie");
        Sampler.Result s = Sampler.sample(net, best.vocabulary(),
                new Sampler.Request("the cat", 6, 1.0, 0, 3, 2, false));
        assertEquals(2, s.samples().size());
        assertEquals(6, s.samples().get(0).words().size());
    }
}
