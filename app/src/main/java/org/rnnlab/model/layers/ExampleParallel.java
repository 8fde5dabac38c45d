package org.rnnlab.model.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Runs a recurrent layer's whole per-time-step loop on several threads, each over its own range of examples.
 *
 * <p>Why: examples never interact inside a recurrence (row i of every state and gradient depends only on row i of the
 * input and of the earlier steps), so the batch can be split once per layer pass instead of splitting every small
 * per-step product. OpenBLAS splitting a [20, 200]·[200, 800] product left the calling thread waiting in
 * sched_yield for 13% of a PTB training step (2 threads), and ND4J's element-wise ops are not split at all. The
 * parts call OpenBLAS concurrently with its thread count set to one, which OpenBLAS's threaded builds allow.
 *
 * <p>The number of parts is OpenBLAS's thread count (which the launcher sets from {@code OMP_NUM_THREADS}), capped so
 * that each part has {@link #MIN_EXAMPLES_PER_PART} examples. Bodies must not call ND4J: its workspaces belong to the
 * calling thread.
 */
final class ExampleParallel {

    /** A loop over the examples [from, to) of a batch. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /**
     * Fewer examples than this per part and the batch is not split: each part's products repack the whole recurrent
     * weight matrix, which for PTB's [20, 200]·[200, 800] (10 rows per part) cost more than the split saved; there
     * OpenBLAS's own split of each product was faster (2,130–2,280 against 1,850–1,940 words/s, 2 threads), while
     * IMDB's [128, 64]·[64, 64] gained (epoch 40.3 → 35.0 s).
     */
    static final int MIN_EXAMPLES_PER_PART = 32;

    /** If positive, the number of parts whatever the threads and batch size: tests exercise the split with it. */
    static volatile int forcedParts;

    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rnnlab-recurrent-" + THREAD_IDS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private ExampleParallel() {
    }

    /**
     * Runs {@code body} over examples [0, mb), split in up to OpenBLAS's thread count parts of at least
     * {@link #MIN_EXAMPLES_PER_PART} examples; unsplit, it runs on the calling thread with OpenBLAS as configured.
     */
    static void run(int mb, Range body) {
        int parts = forcedParts > 0 ? Math.min(forcedParts, mb)
                : Math.min(openblas_nolapack.blas_get_num_threads(), mb / MIN_EXAMPLES_PER_PART);
        run(mb, parts, body);
    }

    /** Runs {@code body} over examples [0, mb) in {@code parts} parts (at most mb). */
    static void run(int mb, int parts, Range body) {
        if (parts <= 1) {
            body.run(0, mb);
            return;
        }
        int threads = openblas_nolapack.blas_get_num_threads();
        openblas_nolapack.blas_set_num_threads(1);
        try {
            List<Future<?>> others = new ArrayList<>(parts - 1);
            for (int p = 1; p < parts; p++) {
                int from = bound(mb, parts, p);
                int to = bound(mb, parts, p + 1);
                others.add(POOL.submit(() -> body.run(from, to)));
            }
            RuntimeException failure = null;
            try {
                body.run(0, bound(mb, parts, 1));
            } catch (RuntimeException e) {
                failure = e;
            }
            for (Future<?> f : others) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (failure == null) {
                        failure = new IllegalStateException("Interrupted in a recurrent layer", e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            openblas_nolapack.blas_set_num_threads(threads);
        }
    }

    /** Start of part {@code p} of {@code parts} over {@code mb} examples: sizes differ by at most one. */
    static int bound(int mb, int parts, int p) {
        return (int) ((long) mb * p / parts);
    }
}
