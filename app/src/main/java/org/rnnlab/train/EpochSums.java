package org.rnnlab.train;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Running sums of the epoch in progress: the summed loss terms, the examples seen (words or reviews),
 * the summed gradient norms, the steps and the seconds spent. Saved with a mid-epoch checkpoint so that
 * after {@code --resume} the epoch's loss, speed and time in {@code metrics.csv} cover all of it.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record EpochSums(double lossSum, @JsonAlias("reviews") long examples, double normSum, long steps, double seconds) {

    /** The checkpoint entry (its name predates the LM's use of it: sentiment checkpoints wrote it first). */
    static final String EXTRA = "epoch-sums.json";
    static final EpochSums ZERO = new EpochSums(0, 0, 0, 0, 0);
    private static final ObjectMapper JSON = new ObjectMapper();

    EpochSums plus(double lossTerm, long examples, double norm) {
        return new EpochSums(lossSum + lossTerm, this.examples + examples, normSum + norm, steps + 1, seconds);
    }

    EpochSums withSeconds(double s) {
        return new EpochSums(lossSum, examples, normSum, steps, s);
    }

    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static EpochSums fromJson(byte[] json) {
        try {
            return JSON.readValue(json, EpochSums.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Corrupt epoch sums in checkpoint", e);
        }
    }
}
