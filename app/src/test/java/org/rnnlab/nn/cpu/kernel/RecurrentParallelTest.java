package org.rnnlab.nn.cpu.kernel;

import org.rnnlab.nn.layers.LayerTestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** Splitting a batch's examples over threads: every example exactly once, failures passed on, BLAS threads restored. */
class RecurrentParallelTest {

    static {
        Nd4j.create(1); // loads the backend, and with it OpenBLAS
    }

    @Test
    void anInterruptedCallerStillWaitsForEveryPartAndKeepsTheInterrupt() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean workerDone = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean doneWhenReturned = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean interruptedAfter = new java.util.concurrent.atomic.AtomicBoolean();
        Thread caller = new Thread(() -> {
            RecurrentParallel.run(2, 2, (from, to) -> {
                if (from == 0) {
                    // the calling thread's part: it is interrupted while the other part still works
                    Thread.currentThread().interrupt();
                } else {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    workerDone.set(true);
                }
            });
            doneWhenReturned.set(workerDone.get());
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        caller.start();
        caller.join(10_000);
        assertTrue(doneWhenReturned.get(), "returned while a part could still write into the caller's buffers");
        assertTrue(interruptedAfter.get(), "the interrupt is kept for the caller");
    }

    @Test
    void everyExampleOnceInContiguousParts() {
        for (int parts : new int[] {1, 2, 3, 7}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(20);
            Set<String> threads = ConcurrentHashMap.newKeySet();
            RecurrentParallel.run(20, parts, (from, to) -> {
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
    void unitPartsMeetAtEveryStepAndAFailureDoesNotLeaveOthersWaiting() {
        RecurrentParallel.forcedUnitParts = 3;
        try {
            // Each part writes its units of step t, then after the barrier reads all units of step t.
            int steps = 50;
            int n = 10;
            int[][] written = new int[steps][n];
            AtomicIntegerArray wrongReads = new AtomicIntegerArray(1);
            RecurrentParallel.run(4, n, (from, to, u0, u1, barrier) -> {
                assertEquals(0, from);
                assertEquals(4, to);
                for (int t = 0; t < steps; t++) {
                    for (int u = u0; u < u1; u++) {
                        written[t][u] = t + 1;
                    }
                    barrier.await();
                    for (int u = 0; u < n; u++) {
                        if (written[t][u] != t + 1) {
                            wrongReads.incrementAndGet(0);
                        }
                    }
                }
            });
            assertEquals(0, wrongReads.get(0), "a part read units another part had not written yet");

            IllegalArgumentException boom = new IllegalArgumentException("boom");
            IllegalArgumentException thrown = assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                    assertThrows(IllegalArgumentException.class, () -> RecurrentParallel.run(4, n,
                            (from, to, u0, u1, barrier) -> {
                                if (u0 > 0) {
                                    throw boom; // parts 1 and 2 fail before the barrier; part 0 waits there
                                }
                                barrier.await();
                            })));
            assertSame(boom, thrown, "the failure itself, not the broken barrier of the waiting part");
        } finally {
            RecurrentParallel.forcedUnitParts = 0;
        }
    }

    @Test
    void failureInAnyPartIsThrownAndBlasThreadsAreRestored() {
        // Two threads outside, so that "one thread inside, two after" tells the switch and the restore apart.
        LayerTestData.withBlasThreads(2, () -> {
            IllegalArgumentException boom = new IllegalArgumentException("boom");
            for (int failing = 0; failing < 3; failing++) {
                int f = failing;
                IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
                        () -> RecurrentParallel.run(9, 3, (from, to) -> {
                            assertEquals(1, OpenBlasThreads.get(), "one BLAS thread per part");
                            if (from == f * 3) {
                                throw boom;
                            }
                        }));
                assertSame(boom, thrown);
                assertEquals(2, OpenBlasThreads.get());
                assertEquals(2, openblas_nolapack.blas_get_num_threads());
            }
        });
    }

    @Test
    void openBlasThreadLimitIsCountedAcrossHolders() {
        LayerTestData.withBlasThreads(2, () -> {
            assertEquals(2, OpenBlasThreads.limitToOne());
            assertEquals(2, OpenBlasThreads.limitToOne(), "a second hold reports the count before the first");
            assertEquals(1, OpenBlasThreads.get());
            OpenBlasThreads.release();
            assertEquals(1, OpenBlasThreads.get(), "one hold left: still one thread");
            OpenBlasThreads.release();
            assertEquals(2, OpenBlasThreads.get());
            assertEquals(2, openblas_nolapack.blas_get_num_threads());
            assertThrows(IllegalStateException.class, OpenBlasThreads::release);
        });
    }

    @Test
    void openBlasThreadsAreSetByOneNativeCall() {
        // JavaCPP's own setter looks up four symbols per call (8% of an IMDB run); the direct one must be found.
        assertTrue(OpenBlasThreads.direct());
    }
}
