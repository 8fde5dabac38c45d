package org.rnnlab.eval;

import org.rnnlab.UserInputException;
import org.rnnlab.data.sentiment.ReviewReader;
import org.rnnlab.model.SentimentClassifier;
import org.rnnlab.text.ReviewEncoder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers "positive or negative?" for raw review texts with a trained sentiment model: each text is
 * tokenized and encoded as in training, and the network sees them {@code batchSize} at a time. Every
 * text gets an answer; an empty text or one without any known word also gets a warning, because the
 * answer then says nothing about what the text means.
 */
public final class Predictor {

    /** Default texts per network call. */
    public static final int DEFAULT_BATCH = 256;

    private final SentimentClassifier classifier;
    private final int batchSize;

    /** The answer for one text: label ({@code pos} when the probability of positive is at least 0.5). */
    public record Prediction(String text, String label, double positiveProbability, int words, int unknownWords,
                             String warning) {
    }

    public Predictor(SentimentClassifier classifier, int batchSize) {
        if (batchSize < 1) {
            throw new UserInputException("--batch-size must be at least 1 (got " + batchSize + ")");
        }
        this.classifier = classifier;
        this.batchSize = batchSize;
    }

    /** One prediction per text, in order. */
    public List<Prediction> predict(List<String> texts) {
        ReviewEncoder encoder = classifier.encoder();
        List<ReviewEncoder.Encoded> encoded = texts.stream().map(encoder::encode).toList();
        float[] p = classifier.positiveProbabilities(encoded.stream().map(ReviewEncoder.Encoded::ids).toList(), batchSize);
        List<Prediction> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            ReviewEncoder.Encoded e = encoded.get(i);
            String warning = e.empty() ? "no words in the text; the answer is the model's guess for an empty review"
                    : e.noKnownWord() ? "none of its " + e.words() + " words is in the model's vocabulary;"
                    + " the answer rests on unknown words only"
                    : null;
            out.add(new Prediction(texts.get(i), ReviewReader.LABELS.get(p[i] >= 0.5f ? 1 : 0), p[i], e.words(),
                    e.unknownWords(), warning));
        }
        return out;
    }

    /**
     * Reads one review per line. A source without any non-blank line is refused: there is nothing
     * to predict. Blank lines among reviews are kept (they are answered, with a warning), so output
     * line N belongs to input line N.
     */
    public static List<String> readReviews(Reader in, String source) {
        List<String> lines;
        try (BufferedReader r = new BufferedReader(in)) {
            lines = r.lines().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new UserInputException(source + ": cannot read reviews: " + e.getMessage(), e);
        }
        if (lines.stream().allMatch(String::isBlank)) {
            throw new UserInputException(source + ": empty review file (expected one review per line)");
        }
        return lines;
    }
}
