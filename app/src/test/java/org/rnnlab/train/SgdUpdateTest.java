package org.rnnlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.LmCorpus;
import org.rnnlab.data.lm.TokenWindows;
import org.rnnlab.model.LmModelFactory;

/** {@link TbpttStep}'s one-pass SGD update against DL4J's solver, and where it must not be used. */
class SgdUpdateTest {

    private static final LmCorpus CORPUS = TinyLm.corpus();

    @Test
    void onePassUpdateEqualsDl4jSolverWithClippingAndLearningRateChanges() {
        // Bound 1.2: some steps are clipped and some not (checked below), so both branches are compared.
        for (double maxNorm : new double[] {1.2, 0}) {
            MultiLayerNetwork solverNet = net(noDropout());
            MultiLayerNetwork onePassNet = net(noDropout());
            GlobalNormClipping solverClip = maxNorm > 0 ? new GlobalNormClipping(maxNorm) : null;
            GlobalNormClipping onePassClip = maxNorm > 0 ? new GlobalNormClipping(maxNorm) : null;
            if (maxNorm > 0) {
                solverNet.setListeners(solverClip);
                onePassNet.setListeners(onePassClip);
            }
            TbpttStep solver = new TbpttStep(solverNet, false);
            TbpttStep onePass = new TbpttStep(onePassNet);
            assertFalse(solver.updatesInOnePass());
            assertTrue(onePass.updatesInOnePass(), "SGD without regularization: one pass");

            TokenWindows w = new TokenWindows(CORPUS.train(), 2, 4);
            boolean clipped = false;
            boolean unclipped = false;
            for (int k = 0; k < 12; k++) {
                if (k == 6) {
                    solverNet.setLearningRate(0.3);
                    onePassNet.setLearningRate(0.3);
                }
                double a = solver.fit(w.features(k), w.labels(k));
                double b = onePass.fit(w.features(k), w.labels(k));
                assertEquals(a, b, 1e-5 * Math.abs(a), "score of step " + k);
                if (maxNorm > 0) {
                    assertEquals(solverClip.lastNorm(), onePassClip.lastNorm(), 1e-5 * solverClip.lastNorm());
                    clipped |= solverClip.lastNorm() > maxNorm;
                    unclipped |= solverClip.lastNorm() < maxNorm;
                }
                assertParamsClose(solverNet.params(), onePassNet.params(), "after step " + k);
            }
            if (maxNorm > 0) {
                assertTrue(clipped && unclipped, "steps on both sides of the bound");
            }
            assertEquals(solverNet.getIterationCount(), onePassNet.getIterationCount());
            assertEquals(12, onePassNet.getIterationCount());
        }
    }

    @Test
    void followsALearningRateSchedule() {
        MultiLayerNetwork solverNet = net(noDropout());
        MultiLayerNetwork onePassNet = net(noDropout());
        MapSchedule schedule = new MapSchedule.Builder(ScheduleType.ITERATION).add(0, 1.0).add(2, 0.1).build();
        solverNet.setLearningRate(schedule);
        onePassNet.setLearningRate(schedule);
        TbpttStep solver = new TbpttStep(solverNet, false);
        TbpttStep onePass = new TbpttStep(onePassNet);
        assertTrue(onePass.updatesInOnePass());
        TokenWindows w = new TokenWindows(CORPUS.train(), 2, 4);
        for (int k = 0; k < 4; k++) {
            solver.fit(w.features(k), w.labels(k));
            onePass.fit(w.features(k), w.labels(k));
            assertParamsClose(solverNet.params(), onePassNet.params(), "after step " + k);
        }
    }

    @Test
    void dl4jSolverForOtherUpdatersAndRegularization() {
        assertFalse(new TbpttStep(withLayerChange(c -> c.setIUpdater(new Adam(1e-3)))).updatesInOnePass(), "Adam");
        assertFalse(new TbpttStep(withLayerChange(c -> c.setRegularization(
                java.util.List.of(new L2Regularization(1e-4))))).updatesInOnePass(), "L2");
        assertFalse(new TbpttStep(withLayerChange(c -> c.setBiasUpdater(new Adam(1e-3)))).updatesInOnePass(),
                "Adam for the biases only");
        assertTrue(new TbpttStep(withLayerChange(c -> c.setBiasUpdater(new Sgd(0.5)))).updatesInOnePass(),
                "another SGD rate for the biases");
    }

    /** A tiny LM whose recurrent layer 1's configuration is changed by {@code change} before init. */
    private static MultiLayerNetwork withLayerChange(
            java.util.function.Consumer<org.deeplearning4j.nn.conf.layers.BaseLayer> change) {
        MultiLayerConfiguration conf = LmModelFactory.build(TinyLm.config(""), CORPUS.vocabulary().size());
        change.accept((org.deeplearning4j.nn.conf.layers.BaseLayer) conf.getConf(1).getLayer());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Without dropout, whose masks do not come from one seed here; the update is what is compared. */
    private static LmConfig noDropout() {
        return (LmConfig) ConfigLoader.parse(ConfigLoader.toYaml(TinyLm.config(""))
                .replace("dropout: 0.2", "dropout: 0.0"), "tiny");
    }

    private static MultiLayerNetwork net(LmConfig cfg) {
        MultiLayerNetwork net = new MultiLayerNetwork(LmModelFactory.build(cfg, CORPUS.vocabulary().size()));
        net.init();
        return net;
    }

    private static void assertParamsClose(INDArray expected, INDArray actual, String what) {
        double diff = expected.sub(actual).norm2Number().doubleValue();
        double scale = expected.norm2Number().doubleValue();
        assertTrue(diff <= 1e-5 * scale, what + ": relative difference " + diff / scale);
    }
}
