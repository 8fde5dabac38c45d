package org.rnnlab.nn.cpu;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-time-step loops of an LSTM layer on a direct CPU path, as DL4J's {@code LSTMHelper} is for cuDNN: a layer
 * asks {@link #forPass} once per pass and runs its own ND4J loops where there are none. The buffers and their layouts
 * are the layer's ({@code FusedLstmLayer}, whose class comment has the equations); the loops compute what its ND4J
 * loops compute, tested equal.
 */
public interface LstmLoops {

    /**
     * The forward recurrence, steps 0..T−1. On entry {@code xw} [T, mb, 4n] holds the input projections plus biases,
     * {@code h[0]} and {@code c[0]} the initial state; on return {@code ga} [4, T, mb, n] holds the gates a, f, o,
     * g, {@code h}/{@code c} [T+1, mb, n] the states and {@code tc} [T, mb, n] tanh of the new cell states, and
     * {@code xw} is undefined. Examples with mask 0 at a step keep their state.
     */
    void forward(INDArray xw, INDArray rw, INDArray ga, INDArray h, INDArray c, INDArray tc, INDArray mask,
                 boolean[] partial, boolean hasInitialState, int nT, int mb, int n);

    /**
     * The backward recurrence over steps T−1 down to {@code end}. {@code e} [T, mb, n] holds dL/dh_t from the
     * output on entry and receives the gradient flowing to earlier steps; {@code dz} [T−end, mb, 4n] receives dL/dz_t
     * in the column order of W and RW.
     */
    void backward(INDArray ga, INDArray c, INDArray tc, INDArray e, INDArray mask, boolean[] partial, INDArray rw,
                  INDArray dz, int nT, int end, int mb, int n);

    /** Whether the loops split a batch of {@code miniBatch} examples of {@code n} units over several threads. */
    boolean usesAllThreads(int miniBatch, int n);

    /** The direct loops for these activations and data type on this backend, or null where only ND4J's apply. */
    static LstmLoops forPass(IActivation gateFn, IActivation actFn, DataType dt) {
        return FusedLstmSteps.applies(gateFn, actFn, dt) ? FusedLstmSteps.LOOPS : null;
    }
}
