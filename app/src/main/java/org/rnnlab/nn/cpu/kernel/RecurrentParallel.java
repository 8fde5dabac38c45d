package org.rnnlab.nn.cpu.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a recurrent layer's whole per-time-step loop on several threads: each part over its own range of examples, or,
 * for batches too small to split, over its own range of hidden units.
 *
 * <p>Why: examples never interact inside a recurrence (row i of every state and gradient depends only on row i of the
 * input and of the earlier steps), so a large batch can be split once per layer pass instead of splitting every small
 * per-step product; with IMDB's [128, 64]·[64, 64] products OpenBLAS's own split left the calling thread waiting in
 * sched_yield for 18% of a training step (2 threads), and the element-wise work was not split at all. A small batch
 * with many units (PTB medium: 20 × 650) is split by units instead: each part computes its units' columns of every
 * gate and meets the others at a {@link Barrier} once per step, because the next step's product needs all of h_t.
 * The parts call OpenBLAS concurrently with its thread count set to one, which OpenBLAS's threaded builds allow.
 *
 * <p>The number of parts is OpenBLAS's thread count (which the launcher sets from {@code OMP_NUM_THREADS}), capped so
 * that each part has {@link #MIN_EXAMPLES_PER_PART} examples or {@link #MIN_UNITS_PER_PART} units. Bodies must not
 * call ND4J: its workspaces belong to the calling thread.
 */
public final class RecurrentParallel {

    /** A loop over the examples [from, to) of a batch. */
    @FunctionalInterface
    public interface Range {
        public void run(int from, int to);
    }

    /**
     * A per-step loop over examples [from, to) and hidden units [u0, u1); {@code barrier} is null when the part has
     * all the units, else the parts meet there once per step.
     */
    @FunctionalInterface
    public interface Block {
        public void run(int from, int to, int u0, int u1, Barrier barrier);
    }

    /**
     * Units per part below which a layer is not split by units. Measured with 2 threads, alternating: PTB medium
     * (650 units) 691/735 → 763/795 words/s split by units; PTB small (200 units, 100 per part) 2,547–2,597 →
     * 2,413–2,438, its per-step products being too small to share better than OpenBLAS already does.
     */
    public static final int MIN_UNITS_PER_PART = 128;

    /**
     * A reusable barrier for the parts of one loop, spinning briefly (a step of PTB small takes ~100 µs; parking a
     * thread costs about as much) and then yielding. If a part fails, the barrier is broken and every wait throws,
     * so that no part waits forever.
     */
    public static final class Barrier {
        private final int parties;
        private final AtomicInteger arrived = new AtomicInteger();
        private volatile int generation;
        private volatile boolean broken;

        public Barrier(int parties) {
            this.parties = parties;
        }

        public void await() {
            int g = generation;
            if (arrived.incrementAndGet() == parties) {
                arrived.set(0);
                generation = g + 1;
                return;
            }
            int spins = 0;
            while (generation == g) {
                if (broken) {
                    throw new BrokenBarrier();
                }
                if (++spins < 20_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }

        public void breakBarrier() {
            broken = true;
        }
    }

    /** Thrown in the parts that waited for a part that failed; the failure of that part is what {@code run} throws. */
    public static final class BrokenBarrier extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public BrokenBarrier() {
            super("another part of the recurrent loop failed");
        }
    }

    /**
     * Fewer examples than this per part and the batch is not split: each part's products repack the whole recurrent
     * weight matrix, which for PTB's [20, 200]·[200, 800] (10 rows per part) cost more than the split saved; there
     * OpenBLAS's own split of each product was faster (2,130–2,280 against 1,850–1,940 words/s, 2 threads), while
     * IMDB's [128, 64]·[64, 64] gained (epoch 40.3 → 35.0 s).
     */
    public static final int MIN_EXAMPLES_PER_PART = 32;

    /** If positive, the number of parts whatever the threads and batch size: tests exercise the split with it. */
    public static volatile int forcedParts;
    /** If positive (and {@link #forcedParts} is not), the number of parts split by units: for tests. */
    public static volatile int forcedUnitParts;

    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rnnlab-recurrent-" + THREAD_IDS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private RecurrentParallel() {
    }

    /**
     * Runs {@code body} over examples [0, mb), split in up to OpenBLAS's thread count parts of at least
     * {@link #MIN_EXAMPLES_PER_PART} examples; unsplit, it runs on the calling thread with OpenBLAS as configured.
     */
    public static void run(int mb, Range body) {
        run(mb, exampleParts(mb), body);
    }

    /** The number of parts {@link #run(int, Range)} splits a batch of {@code mb} examples in (1: not split). */
    public static int exampleParts(int mb) {
        return Math.max(1, forcedParts > 0 ? Math.min(forcedParts, mb)
                : Math.min(OpenBlasThreads.get(), mb / MIN_EXAMPLES_PER_PART));
    }

    /**
     * The number of parts {@link #run(int, int, Block)} splits a loop over {@code mb} examples and {@code n} units
     * in (1: not split).
     */
    public static int parts(int mb, int n) {
        int byExamples = exampleParts(mb);
        return byUnits(byExamples, n, MIN_UNITS_PER_PART) ? unitParts(n, MIN_UNITS_PER_PART) : byExamples;
    }

    private static boolean byUnits(int byExamples, int n, int minUnits) {
        return byExamples <= 1 && (forcedUnitParts > 0 || OpenBlasThreads.get() > 1 && n / minUnits > 1);
    }

    private static int unitParts(int n, int minUnits) {
        return forcedUnitParts > 0 ? Math.min(forcedUnitParts, n) : Math.min(OpenBlasThreads.get(), n / minUnits);
    }

    /**
     * Runs {@code body} over a batch of {@code mb} examples and {@code n} units: split by examples as {@link #run(int,
     * Range)} does when the batch is large enough, otherwise split by units in parts of at least
     * {@link #MIN_UNITS_PER_PART} that meet at a barrier each step, otherwise on the calling thread.
     */
    public static void run(int mb, int n, Block body) {
        run(mb, n, 1, MIN_UNITS_PER_PART, body);
    }

    /**
     * As {@link #run(int, int, Block)}, with every unit range but the last starting and ending at a multiple of
     * {@code align} (the panels of {@link PanelProduct}), and parts of at least {@code minUnits} units.
     */
    public static void run(int mb, int n, int align, int minUnits, Block body) {
        int byExamples = exampleParts(mb);
        if (!byUnits(byExamples, n, minUnits)) {
            run(mb, byExamples, (from, to) -> body.run(from, to, 0, n, null));
            return;
        }
        int blocks = (n + align - 1) / align;
        int parts = Math.min(unitParts(n, minUnits), blocks);
        Barrier barrier = new Barrier(parts);
        runParts(parts, p -> {
            try {
                // The calling thread (part 0) takes the last range, the largest when they differ.
                int range = parts - 1 - p;
                body.run(0, mb, Math.min(n, align * bound(blocks, parts, range)),
                        Math.min(n, align * bound(blocks, parts, range + 1)), barrier);
            } catch (RuntimeException | Error e) {
                barrier.breakBarrier();
                throw e;
            }
        });
    }

    /** Runs {@code body} over examples [0, mb) in {@code parts} parts (at most mb). */
    public static void run(int mb, int parts, Range body) {
        if (parts <= 1) {
            body.run(0, mb);
            return;
        }
        runParts(parts, p -> body.run(bound(mb, parts, p), bound(mb, parts, p + 1)));
    }

    /** Runs part 0 on the calling thread and parts 1.. on the pool, with OpenBLAS on one thread meanwhile. */
    private static void runParts(int parts, java.util.function.IntConsumer part) {
        OpenBlasThreads.limitToOne();
        try {
            List<Future<?>> others = new ArrayList<>(parts - 1);
            for (int p = 1; p < parts; p++) {
                int index = p;
                others.add(POOL.submit(() -> part.accept(index)));
            }
            List<RuntimeException> failures = new ArrayList<>();
            try {
                part.accept(0);
            } catch (RuntimeException e) {
                failures.add(e);
            }
            // Every part is waited for even when this thread is interrupted: a part still running writes into the
            // caller's native buffers, which may be freed or reused as soon as this method returns. The interrupt is
            // kept for the caller to see.
            boolean interrupted = false;
            for (Future<?> f : others) {
                while (true) {
                    try {
                        f.get();
                        break;
                    } catch (ExecutionException e) {
                        failures.add(e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e));
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (!failures.isEmpty()) {
                throw failures.stream().filter(f -> !(f instanceof BrokenBarrier)).findFirst()
                        .orElse(failures.get(0));
            }
        } finally {
            OpenBlasThreads.release();
        }
    }

    /** Start of part {@code p} of {@code parts} over {@code mb} examples: sizes differ by at most one. */
    public static int bound(int mb, int parts, int p) {
        return (int) ((long) mb * p / parts);
    }
}
