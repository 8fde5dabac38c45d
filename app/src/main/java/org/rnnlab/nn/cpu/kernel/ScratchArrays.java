package org.rnnlab.nn.cpu.kernel;


/**
 * Per-thread work arrays of {@code LstmArrayPass}, kept from one pass to the next, so that a pass does not allocate
 * and zero its megabytes of buffers each time: in a wall profile of PTB small, that allocation, its zeroing and the
 * extra collections took about 2% of a training step.
 *
 * <p>An array comes back with whatever an earlier pass left in it: callers write every element before they read it.
 * A thread keeps its arrays (as large as its largest pass needed) until it ends; the recurrent loops' pool threads end
 * after a minute unused.
 */
public final class ScratchArrays {

    /** The arrays a pass asks for, each of its own slot. */
    public enum Slot { Z, STATE, CELL, GATES, TANH, STATE_GRADIENT, GATE_GRADIENT }

    private static final ThreadLocal<ScratchArrays> MINE = ThreadLocal.withInitial(ScratchArrays::new);

    private final float[][] floats = new float[Slot.values().length][];
    private double[] doubles = new double[0];

    private ScratchArrays() {
    }

    /** This thread's float array of {@code slot}, at least {@code length} long. */
    public static float[] floats(Slot slot, int length) {
        float[][] mine = MINE.get().floats;
        float[] a = mine[slot.ordinal()];
        if (a == null || a.length < length) {
            a = new float[length];
            mine[slot.ordinal()] = a;
        }
        return a;
    }

    /** This thread's double array, at least {@code length} long, its first {@code length} elements zero. */
    public static double[] zeroDoubles(int length) {
        ScratchArrays mine = MINE.get();
        if (mine.doubles.length < length) {
            mine.doubles = new double[length];
        } else {
            java.util.Arrays.fill(mine.doubles, 0, length, 0.0);
        }
        return mine.doubles;
    }
}
