package org.rnnlab.nn.cpu.kernel;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Switches OpenBLAS to one thread around the parallel parts of {@link RecurrentParallel} (and the output layer's
 * background weight gradient) and back, by one native call each way. Holds are counted: OpenBLAS gets its threads
 * back when the last holder, on whatever thread, releases, so that overlapping holds from two threads neither
 * restore too early nor leave OpenBLAS on one thread.
 *
 * <p>Why: JavaCPP's {@code openblas_nolapack.blas_set_num_threads} loads the preset and looks up four symbols by
 * name (MKL's three setters and OpenBLAS's) on every call; at two calls per recurrent loop it took 6 s of a 75 s
 * IMDB training run (8%), and C2 kept compiling JavaCPP's loader during training. Here OpenBLAS's
 * {@code openblas_set_num_threads} is looked up once. If it is missing (another BLAS), JavaCPP's method is used.
 */
public final class OpenBlasThreads {

    private static final Setter SETTER = Setter.find();

    /** The count this class set while it differs from what JavaCPP's getter reports; 0 when it does not. */
    private static volatile int current;

    private static final Object LOCK = new Object();
    /** Holds not yet released, and the thread count before the first of them. */
    private static int holders;
    private static int before;

    private OpenBlasThreads() {
    }

    /** True if OpenBLAS's own setter was found and is called directly. */
    public static boolean direct() {
        return SETTER != null;
    }

    /** OpenBLAS's thread count, including a change made here. */
    public static int get() {
        int c = current;
        return c > 0 ? c : openblas_nolapack.blas_get_num_threads();
    }

    /** Sets OpenBLAS to one thread until {@link #release}; returns the thread count before the first hold. */
    public static int limitToOne() {
        synchronized (LOCK) {
            if (holders++ == 0) {
                before = get();
                set(1);
            }
            return before;
        }
    }

    /** Ends one hold of {@link #limitToOne}; the last one sets OpenBLAS back to its count before the first. */
    public static void release() {
        synchronized (LOCK) {
            if (holders == 0) {
                throw new IllegalStateException("OpenBLAS thread limit released more often than taken");
            }
            if (--holders == 0) {
                set(before);
            }
        }
    }

    private static void set(int threads) {
        if (SETTER == null) {
            openblas_nolapack.blas_set_num_threads(threads);
        } else {
            SETTER.call(threads);
            current = threads == openblas_nolapack.blas_get_num_threads() ? 0 : threads;
        }
    }

    /** A function pointer to {@code openblas_set_num_threads}, made the way JavaCPP's own setter makes it. */
    private static final class Setter extends openblas_nolapack.SetNumThreads {
        public Setter(Pointer address) {
            super();
            put(address);
        }

        public static Setter find() {
            try {
                Loader.load(openblas_nolapack.class);
                Pointer address = Loader.addressof("openblas_set_num_threads");
                return address == null || address.isNull() ? null : new Setter(address);
            } catch (RuntimeException | LinkageError e) {
                return null;
            }
        }
    }
}
