package org.rnnlab.data.sentiment;

import java.util.ArrayList;
import java.util.List;

/**
 * Encoded reviews ready for a network: each review's word indices (already cut to {@code max_len})
 * and its label index (0 = negative, 1 = positive).
 */
public record LabeledSequences(List<int[]> sequences, int[] labels) {

    public LabeledSequences {
        if (sequences.size() != labels.length) {
            throw new IllegalArgumentException(sequences.size() + " sequences but " + labels.length + " labels");
        }
        sequences = List.copyOf(sequences);
    }

    public int size() {
        return labels.length;
    }

    /** The sequences at {@code indices}, in that order. */
    public List<int[]> sequencesAt(int[] indices) {
        List<int[]> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(sequences.get(i));
        }
        return out;
    }

    /** The labels at {@code indices}, in that order. */
    public int[] labelsAt(int[] indices) {
        int[] out = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            out[k] = labels[indices[k]];
        }
        return out;
    }
}
