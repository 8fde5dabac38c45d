package org.rnnlab.eval;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.data.lm.TokenWindows;

/**
 * Measures a language model's perplexity on a word stream, carrying the recurrent state through the
 * whole stream (as the TensorFlow tutorial's evaluation does). Perplexity is exp of the mean
 * per-word cross-entropy over every target word that the windows cover.
 *
 * <p>With batch size 1 the stream is one row, and windows of any length give exactly what the
 * tutorial's one-word-at-a-time {@code eval_config} gives (the state is carried either way); a last,
 * shorter window then scores the words the full windows leave over, so every one of the split's
 * {@code n - 1} predictions counts. Larger batches drop the remainder of each row, as the tutorial does.
 */
public final class LmEvaluator {

    /**
     * Where each window's output goes: one reused block instead of a fresh detached array. Why: a new [20·20, 10000]
     * array is fresh memory, zeroed and faulted in page by page, which was 30% of an evaluation pass.
     */
    private static final WorkspaceConfiguration OUTPUT_WS = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).policyLearning(LearningPolicy.FIRST_LOOP)
            .overallocationLimit(0.1).build();
    private static final String OUTPUT_WS_ID = "rnnlab-lm-eval-output";

    private LmEvaluator() {
    }

    /** Evaluation figures of one pass over a split. */
    public record Result(double perplexity, double meanCrossEntropy, long words, double seconds) {
        public double wordsPerSecond() {
            return words / Math.max(seconds, 1e-9);
        }
    }

    /** The number of windows {@link #evaluate} runs through for a stream (its progress count). */
    public static long windows(int[] stream, int batchSize, int numSteps) {
        return new TokenWindows(stream, batchSize, numSteps).numWindows();
    }

    public static Result evaluate(MultiLayerNetwork net, int[] stream, int batchSize, int numSteps) {
        return evaluate(net, stream, batchSize, numSteps, done -> {
        });
    }

    /** {@link #evaluate(MultiLayerNetwork, int[], int, int)}, telling {@code windowsDone} after each window. */
    public static Result evaluate(MultiLayerNetwork net, int[] stream, int batchSize, int numSteps,
                                  java.util.function.LongConsumer windowsDone) {
        TokenWindows windows = new TokenWindows(stream, batchSize, numSteps);
        long start = System.nanoTime();
        double totalNll = 0;
        long words = 0;
        net.rnnClearPreviousState();
        try {
            for (int k = 0; k < windows.numWindows(); k++) {
                INDArray features = windows.features(k);
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(OUTPUT_WS,
                        OUTPUT_WS_ID)) {
                    INDArray probs = net.rnnTimeStep(features, ws);
                    for (int b = 0; b < batchSize; b++) {
                        for (int t = 0; t < numSteps; t++) {
                            double p = probs.getDouble(b, windows.target(k, b, t), t);
                            // float32 softmax can underflow to 0 for a hopeless word; cap its loss instead of returning infinity
                            totalNll -= Math.log(Math.max(p, 1e-30));
                            words++;
                        }
                    }
                }
                windowsDone.accept(k + 1);
            }
            int tail = batchSize == 1 ? stream.length - 1 - windows.numWindows() * numSteps : 0;
            if (tail > 0) {
                int first = windows.numWindows() * numSteps;
                float[] f = new float[tail];
                for (int t = 0; t < tail; t++) {
                    f[t] = stream[first + t];
                }
                INDArray probs = net.rnnTimeStep(Nd4j.create(f, new long[] {1, 1, tail}, DataType.FLOAT));
                for (int t = 0; t < tail; t++) {
                    totalNll -= Math.log(Math.max(probs.getDouble(0, stream[first + t + 1], t), 1e-30));
                    words++;
                }
            }
        } finally {
            net.rnnClearPreviousState();
            // Free the output block (16 MB for batch 20) between passes instead of holding it for the thread's life.
            if (Nd4j.getWorkspaceManager().checkIfWorkspaceExists(OUTPUT_WS_ID)) {
                Nd4j.getWorkspaceManager().destroyWorkspace(
                        Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(OUTPUT_WS_ID));
            }
        }
        double mean = totalNll / words;
        return new Result(Math.exp(mean), mean, words, (System.nanoTime() - start) / 1e9);
    }
}
