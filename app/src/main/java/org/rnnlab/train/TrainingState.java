package org.rnnlab.train;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Where a run stands, saved in every checkpoint so {@code --resume} continues exactly: the epoch in
 * progress (1-based) and how many of its steps are done, the global iteration, the learning rate,
 * the best validation figure so far and the wall time spent.
 */
public record TrainingState(int epoch, long stepsDone, long iteration, double learningRate, double bestMetric,
                            int bestEpoch, double elapsedSeconds) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public byte[] toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TrainingState fromJson(byte[] json) {
        try {
            return JSON.readValue(json, TrainingState.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Corrupt training state in checkpoint", e);
        }
    }
}
