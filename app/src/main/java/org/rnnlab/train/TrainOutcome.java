package org.rnnlab.train;

/** The result of any training run, whatever the task; the CLI formats it. */
public sealed interface TrainOutcome permits LmTrainer.Result, SentimentTrainer.Result {
    RunDirectory run();
}
