package org.rnnlab.nn.cpu.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Element access and BLAS products on the native memory of an ND4J array, for the per-time-step loops of the
 * recurrent layers.
 *
 * <p>Why: in ND4J 1.0.0-M2.1 every op call costs 20–75 µs of dispatch (more with 2 OpenMP threads than with one)
 * and every view 16 µs, whatever the array size, while one LSTM step of PTB small is 4,000 cells of arithmetic. A
 * loop over the cells in Java and a direct {@code cblas_?gemm} on the same memory (the OpenBLAS that ND4J itself
 * calls) do one step in a fraction of that. Element indices are relative to the array's first element and follow
 * its strides only as far as the caller computes them: callers use this on row-major buffers they allocated, and
 * read weight matrices through {@link Weights}.
 *
 * <p>Only FLOAT and DOUBLE arrays on the CPU backend are supported ({@link #usable}); values pass through
 * {@code double}.
 */
public abstract sealed class DirectArray permits DirectArray.F32, DirectArray.F64 {

    private static final int ROW_MAJOR = openblas_nolapack.CblasRowMajor;
    private static final int NO_TRANS = openblas_nolapack.CblasNoTrans;
    private static final int TRANS = openblas_nolapack.CblasTrans;

    /**
     * False makes the layers run their ND4J loops (the path for other backends and data types) everywhere; tests
     * compare the two paths with it.
     */
    public static volatile boolean enabled = true;

    /** True if the JVM has the Vector API module: only then may {@link VectorFloatKernels} be loaded. */
    public static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** False makes callers take their scalar paths instead of {@link VectorFloatKernels} (tests compare the two). */
    public static volatile boolean vectorEnabled = true;

    public static boolean vectorUsable() {
        return VECTOR_API && vectorEnabled;
    }

    /** True if arrays of this type can be used here: FLOAT or DOUBLE, on the CPU backend (host memory). */
    public static boolean usable(DataType dt) {
        return enabled && (dt == DataType.FLOAT || dt == DataType.DOUBLE) && Nd4j.getEnvironment().isCPU();
    }

    /** A weight matrix [rows, cols] for {@link #addProduct} and {@link #addProductTransposed}. */
    public record Weights(DirectArray data, int rows, int cols, boolean rowMajor) {
        /** {@code w} itself if it is row- or column-major without gaps (parameter views are), else a row-major copy. */
        public static Weights of(INDArray w) {
            INDArray r = isRowMajor2d(w) || isColumnMajor2d(w) ? w : w.dup('c');
            return new Weights(DirectArray.of(r), (int) r.size(0), (int) r.size(1), isRowMajor2d(r));
        }

        public int leadingDimension() {
            return rowMajor ? cols : rows;
        }
    }

    /** Access to {@code arr}'s memory, from its first element to the last element its shape and strides reach. */
    public static DirectArray of(INDArray arr) {
        long reach = reach(arr);
        if (reach > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Array too large for direct access: " + reach + " elements");
        }
        Pointer address = arr.data().addressPointer();
        return switch (arr.dataType()) {
            case FLOAT -> new F32(new FloatPointer(address).capacity(reach));
            case DOUBLE -> new F64(new DoublePointer(address).capacity(reach));
            default -> throw new IllegalArgumentException("Direct access supports FLOAT and DOUBLE, not "
                    + arr.dataType());
        };
    }

    /**
     * Elements from {@code arr}'s first element to the last one its shape and strides reach: its length if it
     * occupies its memory without gaps, so that a bulk {@link F32#write} over that range touches nothing else.
     */
    public static long reach(INDArray arr) {
        long reach = 1;
        for (int i = 0; i < arr.rank(); i++) {
            reach += (arr.size(i) - 1) * Math.abs(arr.stride(i));
        }
        return reach;
    }

    /** True if every stride of {@code arr} is positive and its elements fill their memory range without gaps. */
    public static boolean isDense(INDArray arr) {
        for (int i = 0; i < arr.rank(); i++) {
            if (arr.stride(i) <= 0 && arr.size(i) > 1) {
                return false;
            }
        }
        return reach(arr) == arr.length();
    }

    /**
     * True if {@code part}'s elements lie inside the memory range of {@code whole}'s elements, as for a view of it
     * (and not for a copy): both arrays on the CPU backend.
     */
    public static boolean sharesMemory(INDArray part, INDArray whole) {
        long size = whole.dataType().width();
        long start = whole.data().addressPointer().address();
        long end = start + reach(whole) * size;
        long p = part.data().addressPointer().address();
        return part.dataType() == whole.dataType() && p >= start && p + reach(part) * size <= end;
    }

    /** True if {@code a} is a [rows, cols] matrix laid out row-major without gaps. */
    public static boolean isRowMajor2d(INDArray a) {
        return a.rank() == 2 && (a.size(1) == 1 || a.stride(1) == 1) && (a.size(0) == 1 || a.stride(0) == a.size(1));
    }

    /** True if {@code a} is a [rows, cols] matrix laid out column-major without gaps. */
    public static boolean isColumnMajor2d(INDArray a) {
        return a.rank() == 2 && (a.size(0) == 1 || a.stride(0) == 1) && (a.size(1) == 1 || a.stride(1) == a.size(0));
    }

    /** this[m, W.cols] (row-major from {@code cOff}, leading dimension {@code ldc}) += a[m, W.rows] · W. */
    public final void addProduct(int m, DirectArray a, int aOff, int lda, Weights w, int cOff, int ldc) {
        // A column-major W is the transpose of a row-major [cols, rows] matrix.
        gemm(m, w.cols(), w.rows(), a, aOff, lda, w.data(), 0, w.leadingDimension(), !w.rowMajor(), 1.0, cOff, ldc);
    }

    /** this[m, width] += a[m, W.rows] · W[:, c0 : c0+width] (a block of W's columns). */
    public final void addProductColumns(int m, DirectArray a, int aOff, int lda, Weights w, int c0, int width, int cOff,
                                 int ldc) {
        int bOff = w.rowMajor() ? c0 : c0 * w.rows();
        gemm(m, width, w.rows(), a, aOff, lda, w.data(), bOff, w.leadingDimension(), !w.rowMajor(), 1.0, cOff, ldc);
    }

    /** this[m, height] += a[m, W.cols] · W[r0 : r0+height, :]ᵀ (a block of W's rows). */
    public final void addProductTransposedRows(int m, DirectArray a, int aOff, int lda, Weights w, int r0, int height,
                                        int cOff, int ldc) {
        int bOff = w.rowMajor() ? r0 * w.cols() : r0;
        gemm(m, height, w.cols(), a, aOff, lda, w.data(), bOff, w.leadingDimension(), w.rowMajor(), 1.0, cOff, ldc);
    }

    /** this[m, W.rows] += a[m, W.cols] · Wᵀ, laid out as in {@link #addProduct}. */
    public final void addProductTransposed(int m, DirectArray a, int aOff, int lda, Weights w, int cOff, int ldc) {
        gemm(m, w.rows(), w.cols(), a, aOff, lda, w.data(), 0, w.leadingDimension(), w.rowMajor(), 1.0, cOff, ldc);
    }

    /**
     * {@code target[j] = Σ_i a[i, j]} for a row-major [m, n] matrix {@code a} without gaps, as one BLAS product
     * with a vector of ones (ND4J's column sum was 3–4% of a PTB step); false if the arrays do not allow it, and
     * the caller then sums with ND4J.
     */
    public static boolean columnSums(INDArray a, INDArray target) {
        if (!usable(a.dataType()) || target.dataType() != a.dataType() || !isRowMajor2d(a)
                || target.length() != a.size(1) || !isDense(target) || a.length() > Integer.MAX_VALUE) {
            return false;
        }
        of(target).sumRowsOf(of(a), (int) a.size(0), (int) a.size(1));
        return true;
    }

    /** this[0 : n] = Σ_i a[i, :] for a row-major [m, n] matrix starting at a's first element. */
    public final void sumRowsOf(DirectArray a, int m, int n) {
        sumRowsOf(a, 0, m, n, n, 0);
    }

    /**
     * this[off : off+n] = Σ_i a[i, :] for a row-major [m, n] matrix starting at element {@code aOff} of {@code a}
     * with leading dimension {@code lda} (a block of a wider matrix's columns).
     */
    public abstract void sumRowsOf(DirectArray a, int aOff, int m, int n, int lda, int off);

    public abstract double get(int i);

    public abstract void set(int i, double v);

    public final void add(int i, double v) {
        set(i, get(i) + v);
    }

    /** {@code v} rounded to this array's element type (float for F32), as a value stored and read back would be. */
    public abstract double roundToType(double v);

    /**
     * C[m, n] = A[m, k] · op(B) + beta · C, all row-major: A from element {@code aOff} with leading dimension
     * {@code lda}, C likewise; B is read as [k, n] row-major with leading dimension {@code ldb}, or, if
     * {@code transB}, as the transpose of a row-major [n, k] matrix with leading dimension {@code ldb}.
     */
    public final void gemm(int m, int n, int k, DirectArray a, int aOff, int lda, DirectArray b, int bOff, int ldb,
                    boolean transB, double beta, int cOff, int ldc) {
        gemm(false, m, n, k, a, aOff, lda, b, bOff, ldb, transB, beta, cOff, ldc);
    }

    /**
     * As {@link #gemm(int, int, int, DirectArray, int, int, DirectArray, int, int, boolean, double, int, int)}, with
     * A read, if {@code transA}, as the transpose of a row-major [k, m] matrix with leading dimension {@code lda}.
     */
    public abstract void gemm(boolean transA, int m, int n, int k, DirectArray a, int aOff, int lda, DirectArray b, int bOff,
                       int ldb, boolean transB, double beta, int cOff, int ldc);

    public static final class F32 extends DirectArray {
        private final FloatPointer ptr;
        private final FloatBuffer buf;
        private final ByteBuffer bytes;

        public F32(FloatPointer ptr) {
            this.ptr = ptr;
            this.buf = ptr.asBuffer();
            this.bytes = ptr.asByteBuffer().order(ByteOrder.nativeOrder());
        }

        /**
         * The same memory as bytes in native order (element i at byte 4·i), for {@link VectorFloatKernels}; shared
         * by threads that use absolute reads and writes only (a duplicate would lose the byte order).
         */
        public ByteBuffer bytes() {
            return bytes;
        }

        /** Copies {@code len} elements from element {@code off} into {@code dst[dOff : dOff+len]}. */
        public void read(int off, float[] dst, int dOff, int len) {
            buf.get(off, dst, dOff, len);
        }

        /** Copies {@code src[sOff : sOff+len]} to the elements from {@code off}. */
        public void write(int off, float[] src, int sOff, int len) {
            buf.put(off, src, sOff, len);
        }

        @Override
        public double get(int i) {
            return buf.get(i);
        }

        @Override
        public void set(int i, double v) {
            buf.put(i, (float) v);
        }

        /** Sets elements [0, len) to +0 with one native memset. */
        public void zero(int len) {
            Pointer.memset(ptr, 0, 4L * len);
        }

        @Override
        public double roundToType(double v) {
            return (float) v;
        }

        @Override
        public void gemm(boolean transA, int m, int n, int k, DirectArray a, int aOff, int lda, DirectArray b, int bOff,
                  int ldb, boolean transB, double beta, int cOff, int ldc) {
            // Fresh positioned pointers, so that the same array may appear twice without one position moving the other.
            openblas_nolapack.cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, 1f,
                    at(((F32) a).ptr, aOff), lda, at(((F32) b).ptr, bOff), ldb, (float) beta, at(ptr, cOff), ldc);
        }

        @Override
        public void sumRowsOf(DirectArray a, int aOff, int m, int n, int lda, int off) {
            try (FloatPointer ones = new FloatPointer(m)) {
                float[] one = new float[m];
                java.util.Arrays.fill(one, 1f);
                ones.put(one);
                openblas_nolapack.cblas_sgemv(ROW_MAJOR, TRANS, m, n, 1f, at(((F32) a).ptr, aOff), lda, ones, 1, 0f,
                        at(ptr, off), 1);
            }
        }

        private static FloatPointer at(FloatPointer p, int offset) {
            return new FloatPointer(p).position(offset);
        }
    }

    public static final class F64 extends DirectArray {
        private final DoublePointer ptr;
        private final DoubleBuffer buf;

        public F64(DoublePointer ptr) {
            this.ptr = ptr;
            this.buf = ptr.asBuffer();
        }

        @Override
        public double get(int i) {
            return buf.get(i);
        }

        @Override
        public void set(int i, double v) {
            buf.put(i, v);
        }

        @Override
        public double roundToType(double v) {
            return v;
        }

        @Override
        public void gemm(boolean transA, int m, int n, int k, DirectArray a, int aOff, int lda, DirectArray b, int bOff,
                  int ldb, boolean transB, double beta, int cOff, int ldc) {
            openblas_nolapack.cblas_dgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, 1.0,
                    at(((F64) a).ptr, aOff), lda, at(((F64) b).ptr, bOff), ldb, beta, at(ptr, cOff), ldc);
        }

        @Override
        public void sumRowsOf(DirectArray a, int aOff, int m, int n, int lda, int off) {
            try (DoublePointer ones = new DoublePointer(m)) {
                double[] one = new double[m];
                java.util.Arrays.fill(one, 1.0);
                ones.put(one);
                openblas_nolapack.cblas_dgemv(ROW_MAJOR, TRANS, m, n, 1.0, at(((F64) a).ptr, aOff), lda, ones, 1, 0.0,
                        at(ptr, off), 1);
            }
        }

        private static DoublePointer at(DoublePointer p, int offset) {
            return new DoublePointer(p).position(offset);
        }
    }
}
