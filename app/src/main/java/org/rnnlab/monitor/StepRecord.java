package org.rnnlab.monitor;

/**
 * Figures of one training step, as the step log records them.
 *
 * @param step         the step's number counted over the whole run (1 for the first step)
 * @param epoch        the epoch the step belongs to
 * @param seen         words (language models) or reviews (sentiment) trained on so far in the run
 * @param loss         the step's mean loss per word or review
 * @param perplexity   exp(loss) for language models, NaN otherwise
 * @param gradNorm     global L2 norm of the mean-loss gradient before clipping; NaN without clipping
 * @param learningRate the learning rate of the step
 * @param perSecond    words or reviews per second over the epoch so far
 */
public record StepRecord(long step, int epoch, long seen, double loss, double perplexity, double gradNorm,
                         double learningRate, double perSecond) {
}
