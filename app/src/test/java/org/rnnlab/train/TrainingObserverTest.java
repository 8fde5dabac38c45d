package org.rnnlab.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.LmCorpus;
import org.rnnlab.monitor.MonitorOptions;
import org.rnnlab.monitor.StepRecord;
import org.rnnlab.monitor.TrainingObserver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TrainingObserverTest {

    @TempDir
    Path dir;

    @Test
    void languageModelTrainerReportsEveryStepAndEpochAndTheMonitorDrawsCurves() throws Exception {
        LmConfig cfg = TinyLm.config("");
        LmCorpus corpus = TinyLm.corpus(60);
        RunDirectory run = RunDirectory.create(dir.resolve("run"), cfg);
        List<StepRecord> steps = new ArrayList<>();
        List<Integer> epochs = new ArrayList<>();
        List<MultiLayerNetwork> started = new ArrayList<>();
        TrainingObserver recorder = new TrainingObserver() {
            @Override
            public void onStart(MultiLayerNetwork net) {
                started.add(net);
            }

            @Override
            public void onStep(StepRecord step) {
                steps.add(step);
            }

            @Override
            public void onEpoch(int epoch) {
                epochs.add(epoch);
            }
        };
        try (TrainingObserver monitor = new MonitorOptions(3, null).open(run.path())) {
            TrainingObserver both = new TrainingObserver() {
                @Override
                public void onStart(MultiLayerNetwork net) {
                    recorder.onStart(net);
                    monitor.onStart(net);
                }

                @Override
                public void onStep(StepRecord step) {
                    recorder.onStep(step);
                    monitor.onStep(step);
                }

                @Override
                public void onEpoch(int epoch) {
                    recorder.onEpoch(epoch);
                    monitor.onEpoch(epoch);
                }
            };
            LmTrainer.train(new LmTrainer.Request(cfg, corpus, run, false, true, StopRequest.manual(), line -> { }, both));
        }
        assertEquals(1, started.size());
        assertEquals(List.of(1, 2), epochs);
        long perEpoch = new org.rnnlab.data.lm.TokenWindows(corpus.train(), 2, 4).numWindows();
        assertEquals(2 * perEpoch, steps.size());
        StepRecord last = steps.get(steps.size() - 1);
        assertEquals(2 * perEpoch, last.step());
        assertEquals(2 * perEpoch * 2 * 4, last.seen(), "batch 2 x 4 steps = 8 words a step");
        assertEquals(Math.exp(last.loss()), last.perplexity(), 1e-9);
        assertTrue(last.gradNorm() > 0, "max_grad_norm is set, so the clipping measured the norm");
        assertEquals(0.5, last.learningRate(), "decayed after max_epoch 1");
        List<String> log = Files.readAllLines(run.path().resolve("steps.csv"));
        assertTrue(log.size() > 1 + perEpoch / 3, log.toString());
        for (String png : List.of("curve-perplexity.png", "curve-perplexity-words.png", "curve-grad-norm.png")) {
            assertTrue(Files.size(run.path().resolve(png)) > 1000, png);
        }
    }
}
