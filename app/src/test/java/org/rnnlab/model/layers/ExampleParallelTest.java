package org.rnnlab.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** Splitting a batch's examples over threads: every example exactly once, failures passed on, BLAS threads restored. */
class ExampleParallelTest {

    static {
        Nd4j.create(1); // loads the backend, and with it OpenBLAS
    }

    @Test
    void everyExampleOnceInContiguousParts() {
        for (int parts : new int[] {1, 2, 3, 7}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(20);
            Set<String> threads = ConcurrentHashMap.newKeySet();
            ExampleParallel.run(20, parts, (from, to) -> {
                assertTrue(to - from >= 20 / parts && to - from <= 20 / parts + 1, from + ".." + to);
                threads.add(Thread.currentThread().getName());
                for (int i = from; i < to; i++) {
                    seen.incrementAndGet(i);
                }
            });
            for (int i = 0; i < 20; i++) {
                assertEquals(1, seen.get(i), "example " + i + " with " + parts + " parts");
            }
            assertTrue(threads.contains(Thread.currentThread().getName()), "the caller runs a part itself");
            assertEquals(parts > 1, threads.size() > 1, "other parts on other threads");
        }
    }

    @Test
    void failureInAnyPartIsThrownAndBlasThreadsAreRestored() {
        int before = openblas_nolapack.blas_get_num_threads();
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        for (int failing = 0; failing < 3; failing++) {
            int f = failing;
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
                    () -> ExampleParallel.run(9, 3, (from, to) -> {
                        assertEquals(1, openblas_nolapack.blas_get_num_threads(), "one BLAS thread per part");
                        if (from == f * 3) {
                            throw boom;
                        }
                    }));
            assertSame(boom, thrown);
            assertEquals(before, openblas_nolapack.blas_get_num_threads());
        }
    }
}
