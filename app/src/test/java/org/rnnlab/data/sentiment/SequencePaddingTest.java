package org.rnnlab.data.sentiment;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SequencePaddingTest {

    private static float[][] rows(INDArray a) {
        return a.toFloatMatrix();
    }

    @Test
    void prePaddingPutsWordsAtTheEndWithAMatchingMask() {
        SequencePadding.Padded p = new SequencePadding(5, "pre").pad(List.of(new int[] {7, 8}, new int[] {3, 4, 5, 6, 9}));
        assertArrayEquals(new long[] {2, 5}, p.features().shape());
        assertArrayEquals(new float[] {0, 0, 0, 7, 8}, rows(p.features())[0]);
        assertArrayEquals(new float[] {0, 0, 0, 1, 1}, rows(p.mask())[0]);
        assertArrayEquals(new float[] {3, 4, 5, 6, 9}, rows(p.features())[1]);
        assertArrayEquals(new float[] {1, 1, 1, 1, 1}, rows(p.mask())[1]);
    }

    @Test
    void postPaddingPutsWordsAtTheStart() {
        SequencePadding.Padded p = new SequencePadding(4, "post").pad(List.of(new int[] {7}, new int[] {2, 3, 4}));
        assertArrayEquals(new float[] {7, 0, 0, 0}, rows(p.features())[0]);
        assertArrayEquals(new float[] {1, 0, 0, 0}, rows(p.mask())[0]);
        assertArrayEquals(new float[] {2, 3, 4, 0}, rows(p.features())[1]);
        assertArrayEquals(new float[] {1, 1, 1, 0}, rows(p.mask())[1]);
    }

    @Test
    void refusesSequencesThatWereNotCutOrAreEmpty() {
        SequencePadding pad = new SequencePadding(2, "pre");
        assertThrows(IllegalArgumentException.class, () -> pad.pad(List.of(new int[] {1, 2, 3})));
        assertThrows(IllegalArgumentException.class, () -> pad.pad(List.of(new int[0])));
    }

    @Test
    void validationSplitIsSeededAndDisjoint() {
        ValidationSplit a = ValidationSplit.of(100, 0.1, 5);
        assertEquals(a, ValidationSplit.of(100, 0.1, 5), "same seed, same split");
        assertNotEquals(a, ValidationSplit.of(100, 0.1, 6));
        assertEquals(10, a.valid().length);
        assertEquals(90, a.train().length);
        assertTrue(java.util.Arrays.stream(a.valid()).noneMatch(v -> java.util.Arrays.stream(a.train()).anyMatch(t -> t == v)));
        assertEquals(0, ValidationSplit.of(100, 0.0, 5).valid().length);
    }
}
