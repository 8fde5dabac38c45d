package org.rnnlab.train;

import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.LmConfig;
import org.rnnlab.data.lm.LmCorpus;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Tiny language-model fixtures made on the fly: a config and a corpus with learnable structure. */
final class TinyLm {
    private TinyLm() {
    }

    static LmConfig config(String extraYaml) {
        String yaml = """
                task: lm
                name: tiny
                seed: 7
                data: {vocab_size: 50}
                model: {cell: lstm, layers: 2, hidden_size: 8, dropout: 0.2, init_scale: 0.1}
                train: {batch_size: 2, num_steps: 4, epochs: 2, learning_rate: 1.0, max_epoch: 1, lr_decay: 0.5, max_grad_norm: 5}
                """ + extraYaml;
        return (LmConfig) ConfigLoader.parse(yaml, "tiny");
    }

    /** Sentences from a small grammar, so a model can learn something within a few steps. */
    static List<String> sentences(int n, long seed) {
        String[] subj = {"the cat", "a dog", "the bird", "my friend"};
        String[] verb = {"sees", "likes", "chases", "finds"};
        String[] obj = {"the ball", "a tree", "the house", "some food"};
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(subj[r.nextInt(4)] + " " + verb[r.nextInt(4)] + " " + obj[r.nextInt(4)]);
        }
        return out;
    }

    static LmCorpus corpus() {
        return corpus(60);
    }

    static LmCorpus corpus(int trainSentences) {
        return LmCorpus.fromLines(sentences(trainSentences, 1), sentences(10, 2), sentences(10, 3), 50, 0, "tiny");
    }
}
