package org.rnnlab.nn.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ScratchArraysTest {

    @Test
    void anArrayIsReusedUntilALargerOneIsAskedFor() {
        float[] a = ScratchArrays.floats(ScratchArrays.Slot.Z, 1000);
        assertTrue(a.length >= 1000);
        assertSame(a, ScratchArrays.floats(ScratchArrays.Slot.Z, 10));
        assertNotSame(a, ScratchArrays.floats(ScratchArrays.Slot.CELL, 10), "each slot has its own array");
        float[] b = ScratchArrays.floats(ScratchArrays.Slot.Z, a.length + 1);
        assertTrue(b.length > a.length);
        assertSame(b, ScratchArrays.floats(ScratchArrays.Slot.Z, 1000));
    }

    @Test
    void eachThreadHasItsOwnArrays() throws Exception {
        float[] mine = ScratchArrays.floats(ScratchArrays.Slot.GATES, 64);
        float[] theirs = CompletableFuture.supplyAsync(() -> ScratchArrays.floats(ScratchArrays.Slot.GATES, 64)).get();
        assertNotSame(mine, theirs);
    }

    @Test
    void doublesComeBackZeroedOverTheLengthAskedFor() {
        double[] d = ScratchArrays.zeroDoubles(100);
        java.util.Arrays.fill(d, 3.0);
        double[] again = ScratchArrays.zeroDoubles(50);
        assertSame(d, again);
        for (int i = 0; i < 50; i++) {
            assertEquals(0.0, again[i]);
        }
    }
}
