package org.rnnlab.eval;

import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.evaluation.classification.ROC;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.data.sentiment.LabeledSequences;
import org.rnnlab.data.sentiment.ReviewReader;
import org.rnnlab.model.SentimentClassifier;

/**
 * Measures a sentiment classifier on labelled reviews with DL4J's {@link Evaluation} (accuracy,
 * precision, recall and F1 of the positive class, confusion matrix; decision threshold 0.5) and
 * {@link ROC} (exact area under the ROC curve), plus the mean cross-entropy (log loss) of the
 * predicted probabilities. Reviews go through the network in batches.
 */
public final class SentimentEvaluator {

    private static final int POSITIVE = 1;

    private SentimentEvaluator() {
    }

    /**
     * The figures of one evaluation. The confusion counts are {@code [actual][predicted]} with index
     * 0 = negative and 1 = positive.
     */
    public record Result(int reviews, double accuracy, double precision, double recall, double f1, double auc,
                         double logLoss, long[][] confusion, double seconds) {
    }

    public static Result evaluate(SentimentClassifier classifier, LabeledSequences data, int batchSize) {
        return evaluate(classifier, data, batchSize, done -> {
        });
    }

    /** {@link #evaluate(SentimentClassifier, LabeledSequences, int)}, telling {@code reviewsDone} after each batch. */
    public static Result evaluate(SentimentClassifier classifier, LabeledSequences data, int batchSize,
                                  java.util.function.LongConsumer reviewsDone) {
        long start = System.nanoTime();
        int n = data.size();
        // Batch by batch only to report progress: the classifier batches the same way itself.
        float[] p = new float[n];
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(from + batchSize, n);
            float[] part = classifier.positiveProbabilities(data.sequences().subList(from, to), batchSize);
            System.arraycopy(part, 0, p, from, to - from);
            reviewsDone.accept(to);
        }
        float[][] probs = new float[n][2];
        float[][] labels = new float[n][2];
        double logLoss = 0;
        for (int i = 0; i < n; i++) {
            int y = data.labels()[i];
            probs[i][0] = 1f - p[i];
            probs[i][1] = p[i];
            labels[i][y] = 1f;
            // Clipped as Keras' binary cross-entropy is, so one confident mistake stays finite.
            logLoss -= Math.log(Math.min(Math.max(y == POSITIVE ? p[i] : 1.0 - p[i], 1e-7), 1.0));
        }
        INDArray predicted = Nd4j.create(probs);
        INDArray actual = Nd4j.create(labels);
        Evaluation eval = new Evaluation(ReviewReader.LABELS);
        eval.eval(actual, predicted);
        ROC roc = new ROC(0); // 0 threshold steps: the exact curve
        roc.eval(actual, predicted);
        long[][] confusion = new long[2][2];
        for (int a = 0; a < 2; a++) {
            for (int q = 0; q < 2; q++) {
                confusion[a][q] = eval.getConfusionMatrix().getCount(a, q);
            }
        }
        return new Result(n, eval.accuracy(), eval.precision(POSITIVE), eval.recall(POSITIVE), eval.f1(POSITIVE),
                roc.calculateAUC(), logLoss / Math.max(n, 1), confusion, (System.nanoTime() - start) / 1e9);
    }
}
