package org.rnnlab.data.sentiment;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * Lays encoded reviews out as one fixed-length minibatch, as Keras' {@code pad_sequences} does, plus
 * the feature mask that Keras' default leaves out: features {@code [mb, maxLen]} of word indices
 * with padding index 0 on the {@code pre} (before the words) or {@code post} side, and a mask
 * {@code [mb, maxLen]} with 1 at words and 0 at padding. DL4J's recurrent layers output zeros and
 * reset their state at masked steps, and the pooling layers skip them, so padding never acts as
 * words.
 */
public final class SequencePadding {

    private final int maxLen;
    private final boolean padBefore;

    /** Features and mask of one minibatch, both {@code [mb, maxLen]}. */
    public record Padded(INDArray features, INDArray mask) {
    }

    /** @param padding {@code pre} or {@code post} */
    public SequencePadding(int maxLen, String padding) {
        if (maxLen < 1) {
            throw new IllegalArgumentException("maxLen must be at least 1: " + maxLen);
        }
        this.maxLen = maxLen;
        this.padBefore = switch (padding) {
            case "pre" -> true;
            case "post" -> false;
            default -> throw new IllegalArgumentException("padding must be pre or post: " + padding);
        };
    }

    /** Pads sequences of 1 to {@code maxLen} indices (already truncated) into one minibatch. */
    public Padded pad(List<int[]> sequences) {
        float[][] features = new float[sequences.size()][maxLen];
        float[][] mask = new float[sequences.size()][maxLen];
        for (int r = 0; r < sequences.size(); r++) {
            int[] ids = sequences.get(r);
            if (ids.length == 0 || ids.length > maxLen) {
                throw new IllegalArgumentException("Sequence " + r + " has " + ids.length + " words; expected 1 to " + maxLen);
            }
            int offset = padBefore ? maxLen - ids.length : 0;
            for (int t = 0; t < ids.length; t++) {
                features[r][offset + t] = ids[t];
                mask[r][offset + t] = 1f;
            }
        }
        return new Padded(Nd4j.create(features), Nd4j.create(mask));
    }

    public int maxLen() {
        return maxLen;
    }
}
