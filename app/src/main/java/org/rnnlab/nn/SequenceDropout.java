package org.rnnlab.nn;

import org.rnnlab.nn.cpu.kernel.DirectArray;
import org.rnnlab.nn.cpu.kernel.VectorFloatKernels;

import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Dropout of whole input channels of a sequence, one mask per example and channel, the same for every time step
 * (Keras' {@code SimpleRNN(dropout=...)}): DL4J's {@link SpatialDropout} on [mb, channels, T], with the same random
 * mask drawn the same way (so results are the same to the last bit), but the mask applied in Java: for float arrays
 * without gaps over bulk copies walked in memory order, otherwise element by element. DL4J's rank-3 broadcast
 * multiply took 12% of an IMDB training step for 1M elements.
 */
public class SequenceDropout implements IDropout {

    @JsonProperty
    private double p;
    private transient INDArray mask;
    // Reused between calls (an instance belongs to one layer, used by one thread at a time).
    private transient float[] scratchIn;
    private transient float[] scratchOut;

    /**
     * @param retainProbability probability of keeping a channel, in (0, 1]; kept values are scaled by 1/p
     */
    public SequenceDropout(@JsonProperty("p") double retainProbability) {
        if (!(retainProbability > 0.0 && retainProbability <= 1.0)) {
            throw new IllegalArgumentException("dropout retain probability must be in (0, 1], got "
                    + retainProbability);
        }
        this.p = retainProbability;
    }

    public double getP() {
        return p;
    }

    @Override
    public INDArray applyDropout(INDArray input, INDArray result, int iteration, int epoch,
                                 LayerWorkspaceMgr workspaceMgr) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException("sequence dropout needs [mb, channels, time] activations, got shape "
                    + java.util.Arrays.toString(input.shape()));
        }
        mask = workspaceMgr.createUninitialized(ArrayType.INPUT, input.dataType(), input.size(0), input.size(1))
                .assign(1.0);
        Nd4j.getExecutioner().exec(new DropOutInverted(mask, p));
        return multiply(input, result);
    }

    @Override
    public INDArray backprop(INDArray gradAtOutput, INDArray gradAtInput, int iteration, int epoch) {
        if (mask == null) {
            throw new IllegalStateException("sequence dropout: backprop without a mask (cleared, or no forward pass)");
        }
        INDArray ret = multiply(gradAtOutput, gradAtInput);
        mask = null;
        return ret;
    }

    /**
     * The dense float case on the Vector API, in place on native memory: the Java path below moves each element
     * through two Java arrays, about four times the memory traffic, and these arrays (4 MB for IMDB's embedding
     * output) do not fit in cache. Runs of unit stride: channels (the embedding's permuted output, a recurrent
     * layer's time-major output), each multiplied by its example's factors, or else time steps, each scaled by one
     * factor. The same products as the other paths, so the same results to the last bit.
     */
    private static void multiplyVectors(DirectArray.F32 src, DirectArray.F32 dst, float[] scale, int mb,
                                        int channels, int steps, int s0, int s1, int s2, int d0, int d1, int d2) {
        java.nio.ByteBuffer a = src.bytes();
        java.nio.ByteBuffer b = dst.bytes();
        if (s1 == 1 && d1 == 1) {
            // Memory order: time outer when steps are the largest stride (time-major), else examples outer.
            boolean timeOuter = s2 > s0;
            int outer = timeOuter ? steps : mb;
            int inner = timeOuter ? mb : steps;
            for (int i = 0; i < outer; i++) {
                for (int j = 0; j < inner; j++) {
                    int n = timeOuter ? j : i;
                    int t = timeOuter ? i : j;
                    VectorFloatKernels.multiply(a, n * s0 + t * s2, scale, n * channels, b, n * d0 + t * d2,
                            channels);
                }
            }
        } else {
            for (int n = 0; n < mb; n++) {
                for (int c = 0; c < channels; c++) {
                    VectorFloatKernels.scale(a, n * s0 + c * s1, scale[n * channels + c], b, n * d0 + c * d1,
                            steps);
                }
            }
        }
    }

    private INDArray multiply(INDArray in, INDArray out) {
        if (!DirectArray.usable(in.dataType()) || out.dataType() != in.dataType()
                || mask.dataType() != in.dataType()) {
            return Broadcast.mul(in, mask, out, 0, 1);
        }
        int mb = (int) in.size(0);
        int channels = (int) in.size(1);
        int steps = (int) in.size(2);
        DirectArray src = DirectArray.of(in);
        DirectArray dst = DirectArray.of(out);
        DirectArray m = DirectArray.of(mask);
        int s0 = (int) in.stride(0), s1 = (int) in.stride(1), s2 = (int) in.stride(2);
        int d0 = (int) out.stride(0), d1 = (int) out.stride(1), d2 = (int) out.stride(2);
        int m0 = (int) mask.stride(0), m1 = (int) mask.stride(1);
        if (src instanceof DirectArray.F32 fs && dst instanceof DirectArray.F32 fd && DirectArray.isDense(in)
                && DirectArray.isDense(out)) {
            float[] scale = new float[mb * channels];
            for (int n = 0; n < mb; n++) {
                for (int c = 0; c < channels; c++) {
                    scale[n * channels + c] = (float) m.get(n * m0 + c * m1);
                }
            }
            if (DirectArray.vectorUsable() && (s1 == 1 && d1 == 1 || s2 == 1 && d2 == 1)) {
                multiplyVectors(fs, fd, scale, mb, channels, steps, s0, s1, s2, d0, d1, d2);
                return out;
            }
            // Both arrays occupy their memory without gaps (the usual case): copy in, scale in Java arrays, copy
            // out. Element-wise buffer access with strides cost ten times more.
            int len = (int) in.length();
            float[] a = scratchIn = scratchIn != null && scratchIn.length >= len ? scratchIn : new float[len];
            float[] b = scratchOut = scratchOut != null && scratchOut.length >= len ? scratchOut : new float[len];
            fs.read(0, a, 0, len);
            if (s1 <= s0 && s1 <= s2 && d1 <= d0 && d1 <= d2) {
                // Channels innermost in both (the embedding's permuted output, a recurrent layer's time-major
                // output): walk examples and steps in memory order.
                boolean timeOuter = s2 > s0;
                int outer = timeOuter ? steps : mb;
                int inner = timeOuter ? mb : steps;
                for (int i = 0; i < outer; i++) {
                    for (int j = 0; j < inner; j++) {
                        int n = timeOuter ? j : i;
                        int t = timeOuter ? i : j;
                        int si = n * s0 + t * s2, di = n * d0 + t * d2, mi = n * channels;
                        if (s1 == 1 && d1 == 1) {
                            // Unit strides as constants: C2 vectorises this loop, not the strided one.
                            for (int c = 0; c < channels; c++) {
                                b[di + c] = a[si + c] * scale[mi + c];
                            }
                        } else {
                            for (int c = 0; c < channels; c++) {
                                b[di + c * d1] = a[si + c * s1] * scale[mi + c];
                            }
                        }
                    }
                }
            } else {
                for (int n = 0; n < mb; n++) {
                    for (int c = 0; c < channels; c++) {
                        float sc = scale[n * channels + c];
                        int si = n * s0 + c * s1, di = n * d0 + c * d1;
                        if (s2 == 1 && d2 == 1) {
                            for (int t = 0; t < steps; t++) {
                                b[di + t] = a[si + t] * sc;
                            }
                        } else {
                            for (int t = 0; t < steps; t++) {
                                b[di + t * d2] = a[si + t * s2] * sc;
                            }
                        }
                    }
                }
            }
            fd.write(0, b, 0, len);
            return out;
        }
        for (int n = 0; n < mb; n++) {
            for (int c = 0; c < channels; c++) {
                double scale = m.get(n * m0 + c * m1);
                int si = n * s0 + c * s1;
                int di = n * d0 + c * d1;
                for (int t = 0; t < steps; t++) {
                    dst.set(di + t * d2, src.get(si + t * s2) * scale);
                }
            }
        }
        return out;
    }

    @Override
    public void clear() {
        mask = null;
    }

    @Override
    public IDropout clone() {
        return new SequenceDropout(p);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SequenceDropout d && d.p == p;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(p);
    }

    @Override
    public String toString() {
        return "SequenceDropout(p=" + p + ")";
    }
}
