package org.rnnlab.data.lm;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.UserInputException;

/**
 * The TensorFlow PTB tutorial's batching: the word stream is cut into {@code batchSize} contiguous
 * rows, and window {@code k} holds columns {@code [k*numSteps, (k+1)*numSteps)} as input and the
 * same columns shifted by one word as targets. Consecutive windows continue each row, which is what
 * lets the recurrent state carry from one window to the next.
 */
public final class TokenWindows {

    private final int[] stream;
    private final int batchSize;
    private final int numSteps;
    private final int rowLength;
    private final int numWindows;

    public TokenWindows(int[] stream, int batchSize, int numSteps) {
        this.stream = stream;
        this.batchSize = batchSize;
        this.numSteps = numSteps;
        this.rowLength = stream.length / batchSize;
        this.numWindows = (rowLength - 1) / numSteps;
        if (numWindows < 1) {
            throw new UserInputException("corpus split of " + stream.length + " words is too short for batch_size "
                    + batchSize + " and num_steps " + numSteps + " (needs at least "
                    + (long) batchSize * (numSteps + 1) + " words)");
        }
    }

    public int numWindows() {
        return numWindows;
    }

    public int batchSize() {
        return batchSize;
    }

    public int numSteps() {
        return numSteps;
    }

    /** Number of target words over all windows. */
    public long targetWords() {
        return (long) numWindows * numSteps * batchSize;
    }

    /** Word index at row {@code b}, column {@code t} of the batched stream. */
    public int at(int b, int t) {
        return stream[b * rowLength + t];
    }

    /** Inputs of window {@code k} as [batchSize, 1, numSteps] word indices, the shape both an embedding layer and {@code rnnTimeStep} accept. */
    public INDArray features(int k) {
        float[] f = new float[batchSize * numSteps];
        int start = k * numSteps;
        for (int b = 0; b < batchSize; b++) {
            for (int t = 0; t < numSteps; t++) {
                f[b * numSteps + t] = at(b, start + t);
            }
        }
        return Nd4j.create(f, new long[] {batchSize, 1, numSteps}, DataType.FLOAT);
    }

    /** Targets of window {@code k} as [batchSize, 1, numSteps] indices, for sparse cross-entropy. */
    public INDArray labels(int k) {
        float[] f = new float[batchSize * numSteps];
        int start = k * numSteps + 1;
        for (int b = 0; b < batchSize; b++) {
            for (int t = 0; t < numSteps; t++) {
                f[b * numSteps + t] = at(b, start + t);
            }
        }
        return Nd4j.create(f, new long[] {batchSize, 1, numSteps}, DataType.FLOAT);
    }

    /** Target word of row {@code b} at step {@code t} of window {@code k}. */
    public int target(int k, int b, int t) {
        return at(b, k * numSteps + t + 1);
    }
}
