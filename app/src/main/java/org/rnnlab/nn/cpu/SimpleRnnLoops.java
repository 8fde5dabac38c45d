package org.rnnlab.nn.cpu;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-time-step loops of a simple RNN layer on a direct CPU path: a layer asks {@link #forPass} once per pass
 * and runs its own ND4J loops where there are none (or, forward, for activations other than tanh). The buffers are
 * those of {@code FusedSimpleRnnLayer}'s ND4J loops, which these compute equally.
 */
public interface SimpleRnnLoops {

    /**
     * The forward recurrence with tanh: on entry {@code z} [T, mb, n] holds the input projections plus bias and
     * {@code h[0]} the initial state; on return z holds all pre-activations and {@code h} [T+1, mb, n] the states.
     * Examples with mask 0 at a step keep their state.
     */
    void forward(INDArray z, INDArray rw, INDArray h, INDArray mask, boolean[] partial, boolean hasInitialState,
                 int nT, int mb, int n);

    /**
     * The backward recurrence over steps T−1 down to {@code end}: {@code dz_t = dh_t ⊙ k_t} into {@code dz}
     * [T−end, mb, n], and {@code dh_{t−1} += dz_t·RWᵀ} into {@code e} [T, mb, n]. {@code k} [T−end, mb, n] holds
     * act'(z) times the mask, so any activation is covered.
     */
    void backward(INDArray e, INDArray k, INDArray mask, boolean[] partial, INDArray rw, INDArray dz, int nT,
                  int end, int mb, int n);

    /** Whether {@link #forward} covers this activation. */
    boolean coversForward(IActivation actFn);

    /** Whether the loops split a batch of {@code miniBatch} examples over several threads. */
    boolean usesAllThreads(int miniBatch);

    /** The direct loops for this data type on this backend, or null where only ND4J's apply. */
    static SimpleRnnLoops forPass(DataType dt) {
        return FusedSimpleRnnSteps.backwardApplies(dt) ? FusedSimpleRnnSteps.LOOPS : null;
    }
}
