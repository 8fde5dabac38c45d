package org.rnnlab.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.SentimentConfig;
import org.rnnlab.text.ReviewEncoder;
import org.rnnlab.text.Vocabulary;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SentimentModelFileTest {

    @TempDir
    Path dir;

    @Test
    void vocabularyTokenizerSettingsAndAnswersSurviveTheModelFile() {
        SentimentConfig cfg = (SentimentConfig) ConfigLoader.parse("""
                task: sentiment
                data: {vocab_size: 8, max_len: 4, padding: post, truncating: post, lowercase: false}
                model: {cell: lstm, layers: 1, hidden_size: 3, embedding_size: 4, bidirectional: true, pooling: mean}
                """, "file");
        Vocabulary vocab = Vocabulary.fromCounts(Map.of("Good", 5L, "bad", 4L, "film", 3L, "plot", 2L, "dull", 1L), 8,
                ReviewEncoder.RESERVED, ReviewEncoder.UNK);
        MultiLayerNetwork net = new MultiLayerNetwork(SentimentModelFactory.build(cfg, vocab.size()));
        net.init();
        Path f = dir.resolve("m.zip");
        ModelFile.write(f, net, ModelKind.SENTIMENT, cfg, vocab, ReviewEncoder.UNK, Map.of(), false);

        ModelFile.Loaded back = ModelFile.read(f, ModelKind.SENTIMENT, "predict", false);
        assertEquals(vocab, back.vocabulary());
        assertEquals(cfg, back.config());
        SentimentClassifier original = new SentimentClassifier(net, cfg, vocab);
        SentimentClassifier loaded = SentimentClassifier.of(back);
        assertArrayEquals(new int[] {2, 4, 1}, loaded.encoder().encode("Good film good").ids(),
                "lowercase: false and the vocabulary came back ('good' is not 'Good')");
        List<String> texts = List.of("Good film", "bad plot, dull film and more", "");
        List<int[]> seqs = texts.stream().map(t -> loaded.encoder().encode(t).ids()).toList();
        assertArrayEquals(original.positiveProbabilities(seqs, 2), loaded.positiveProbabilities(seqs, 2), 1e-7f);
    }
}
