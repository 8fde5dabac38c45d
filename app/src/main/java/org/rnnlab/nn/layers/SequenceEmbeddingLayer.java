package org.rnnlab.nn.layers;

import org.rnnlab.nn.SequenceEmbedding;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.rnnlab.nn.cpu.kernel.DirectArray;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The layer of {@link SequenceEmbedding}: DL4J's embedding layer whose backward pass adds each (example, time
 * step)'s output gradient to its word's row of the weight gradient in a Java loop (for float, over Java copies of the
 * arrays). DL4J's version recomputes the forward pass, copies and permutes the gradient and runs
 * {@code scatter_update}, 17% of an IMDB training step. Other activations, data types and backends use DL4J's code.
 */
public class SequenceEmbeddingLayer extends org.deeplearning4j.nn.layers.feedforward.embedding.EmbeddingSequenceLayer {

    // Reused between steps (a layer instance is used by one thread at a time).
    private float[] epsScratch;
    private float[] rowScratch;
    /**
     * True when a tied output layer shares the weights: its backward pass, which runs before this one, has written
     * its part of the weight gradient, and this layer adds its rows instead of overwriting.
     */
    private boolean accumulate;
    /** Per word of the vocabulary, the factor of the last training forward pass (word dropout), or null. */
    private float[] wordFactors;

    public SequenceEmbeddingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** The weights E [vocabulary, size] (a view of the parameters). */
    public INDArray weightView() {
        return getParam(DefaultParamInitializer.WEIGHT_KEY);
    }

    /** The gradient view of E, or null before the network made its gradient views. */
    public INDArray weightGradientView() {
        return gradientViews == null ? null : gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    }

    /** From now on the backward pass adds to the weight gradient (see {@link TiedEmbedding}). */
    void accumulateWeightGradient() {
        this.accumulate = true;
    }

    private double wordDropout() {
        return conf.getLayer() instanceof SequenceEmbedding s ? s.getWordDropout() : 0.0;
    }

    /**
     * DL4J's forward pass, then, when training with word dropout, each word's vector multiplied by its word's factor
     * (0 with probability p, else 1/(1 − p)), drawn anew for the whole vocabulary at each training pass: the same
     * word is dropped everywhere in the window, as dropping rows of E would do (AWD-LSTM's embedding dropout).
     */
    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = super.activate(training, workspaceMgr);
        double p = wordDropout();
        wordFactors = null;
        if (!training || p <= 0.0) {
            return out;
        }
        int vocab = (int) layerConf().getNIn();
        float[] f = new float[vocab];
        float kept = (float) (1.0 / (1.0 - p));
        org.nd4j.linalg.api.rng.Random rng = Nd4j.getRandom();
        for (int v = 0; v < vocab; v++) {
            f[v] = rng.nextDouble() < p ? 0f : kept;
        }
        wordFactors = f;
        int mb = (int) input.size(0);
        int steps = (int) (input.length() / mb);
        int[] words = input.castTo(DataType.INT).dup('c').data().asInt();
        INDArray factors = Nd4j.createUninitialized(out.dataType(), mb, steps);
        for (int n = 0; n < mb; n++) {
            for (int t = 0; t < steps; t++) {
                factors.putScalar(n, t, f[words[n * steps + t]]);
            }
        }
        boolean ncw = layerConf().getOutputFormat() != RNNFormat.NWC;
        return Broadcast.mul(out, factors, out, 0, ncw ? 2 : 1);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray weightGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
        if (!(layerConf().getActivationFn() instanceof ActivationIdentity)
                || !DirectArray.usable(epsilon.dataType()) || weightGrad.dataType() != epsilon.dataType()) {
            if (accumulate || wordFactors != null) {
                throw new IllegalStateException("embedding layer " + layerId() + ": tied weights and word dropout"
                        + " need the identity activation and float or double arrays");
            }
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        int mb = (int) input.size(0);
        int steps = (int) (input.length() / mb);
        int nIn = (int) layerConf().getNIn();
        int nOut = (int) layerConf().getNOut();
        // [mb, T] or [mb, 1, T] / [mb, T, 1]: in every case the c-order flattening is (example, step).
        int[] words = input.castTo(DataType.INT).dup('c').data().asInt();

        boolean ncw = layerConf().getOutputFormat() != RNNFormat.NWC;
        int eN = (int) epsilon.stride(0);
        int eK = (int) epsilon.stride(ncw ? 1 : 2);
        int eT = (int) epsilon.stride(ncw ? 2 : 1);
        DirectArray eps = DirectArray.of(epsilon);
        INDArray mask = maskArray == null ? null
                : maskArray.dataType() == epsilon.dataType() ? maskArray : maskArray.castTo(epsilon.dataType());
        DirectArray m = mask == null ? null : DirectArray.of(mask);
        int mN = mask == null ? 0 : (int) mask.stride(0);
        int mT = mask == null ? 0 : (int) mask.stride(1);

        INDArray biasGrad = hasBias() ? gradientViews.get(DefaultParamInitializer.BIAS_KEY) : null;
        double[] biasSum = biasGrad == null ? null : new double[nOut];
        int gRow = (int) weightGrad.stride(0);
        int gCol = (int) weightGrad.stride(1);
        float[] scale = new float[mb * steps];
        for (int n = 0; n < mb; n++) {
            for (int t = 0; t < steps; t++) {
                int word = words[n * steps + t];
                if (word < 0 || word >= nIn) {
                    throw new IllegalStateException("embedding layer " + layerId() + ": index " + word
                            + " at [" + n + ", " + t + "] is outside 0.." + (nIn - 1));
                }
                scale[n * steps + t] = (m == null ? 1f : (float) m.get(n * mN + t * mT))
                        * (wordFactors == null ? 1f : wordFactors[word]);
            }
        }
        if (eps instanceof DirectArray.F32 e32 && DirectArray.isDense(epsilon) && DirectArray.isDense(weightGrad)) {
            accumulateFloat(e32, (int) epsilon.length(), eN, eK, eT, (DirectArray.F32) DirectArray.of(weightGrad),
                    (int) weightGrad.length(), gRow, gCol, words, scale, mb, steps, nOut, biasSum);
        } else {
            if (!accumulate) {
                weightGrad.assign(0);
            }
            DirectArray g = DirectArray.of(weightGrad);
            for (int n = 0; n < mb; n++) {
                for (int t = 0; t < steps; t++) {
                    double sc = scale[n * steps + t];
                    if (sc == 0.0) {
                        continue;
                    }
                    int e = n * eN + t * eT;
                    int w = words[n * steps + t] * gRow;
                    for (int k = 0; k < nOut; k++) {
                        // Rounded to the array's type before the sum, as DL4J's delta = epsilon * mask is.
                        double d = eps.roundToType(sc * eps.get(e + k * eK));
                        g.add(w + k * gCol, d);
                        if (biasSum != null) {
                            biasSum[k] += d;
                        }
                    }
                }
            }
        }
        Gradient ret = new DefaultGradient();
        ret.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGrad);
        if (biasGrad != null) {
            DirectArray b = DirectArray.of(biasGrad);
            int bStride = (int) biasGrad.stride(biasGrad.rank() - 1);
            for (int k = 0; k < nOut; k++) {
                b.set(k * bStride, biasSum[k]);
            }
            ret.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGrad);
        }
        return new Pair<>(ret, null);
    }

    /**
     * The float path: the output gradient is copied in once and each (example, step)'s gradient row is added into a
     * word-major Java array (one contiguous row per word). Then the weight gradient is zeroed by one native memset
     * and only the rows of the words that occurred are written, in the order of its layout (DL4J's is column-major:
     * a word's row is spread over 10,000-element strides, so column by column, words ascending). A batch has a few
     * hundred (PTB) to a few thousand (IMDB) distinct words out of 10,000; a Java copy of the whole gradient, zeroed
     * and copied out each step, cost twice the memory traffic. Each gradient element receives its terms in
     * (example, step) order.
     */
    private void accumulateFloat(DirectArray.F32 eps, int epsLength, int eN, int eK, int eT, DirectArray.F32 grad,
                                 int gradLength, int gRow, int gCol, int[] words, float[] scale, int mb, int steps,
                                 int nOut, double[] biasSum) {
        float[] e = epsScratch = epsScratch != null && epsScratch.length >= epsLength ? epsScratch
                : new float[epsLength];
        // Word-major sums; kept all-zero between calls by clearing the rows used.
        float[] rows = rowScratch = rowScratch != null && rowScratch.length == gradLength ? rowScratch
                : new float[gradLength];
        boolean[] used = new boolean[gradLength / nOut];
        int[] order = new int[words.length];
        int distinct = 0;
        eps.read(0, e, 0, epsLength);
        for (int n = 0; n < mb; n++) {
            for (int t = 0; t < steps; t++) {
                float sc = scale[n * steps + t];
                if (sc == 0f) {
                    continue;
                }
                int word = words[n * steps + t];
                if (!used[word]) {
                    used[word] = true;
                    order[distinct++] = word;
                }
                int base = n * eN + t * eT;
                int r = word * nOut;
                if (eK == 1 && biasSum == null) {
                    // The usual case (the gradient from a recurrent layer's time-major output), written with a
                    // constant stride so that C2 vectorises it.
                    for (int k = 0; k < nOut; k++) {
                        rows[r + k] += e[base + k] * sc;
                    }
                    continue;
                }
                for (int k = 0; k < nOut; k++) {
                    float d = e[base + k * eK] * sc;
                    rows[r + k] += d;
                    if (biasSum != null) {
                        biasSum[k] += d;
                    }
                }
            }
        }
        if (!accumulate) {
            grad.zero(gradLength);
        }
        java.util.Arrays.sort(order, 0, distinct);
        for (int k = 0; k < nOut; k++) {
            for (int i = 0; i < distinct; i++) {
                int word = order[i];
                int at = word * gRow + k * gCol;
                if (accumulate) {
                    grad.set(at, grad.get(at) + rows[word * nOut + k]);
                } else {
                    grad.set(at, rows[word * nOut + k]);
                }
            }
        }
        for (int i = 0; i < distinct; i++) {
            java.util.Arrays.fill(rows, order[i] * nOut, (order[i] + 1) * nOut, 0f);
        }
    }
}
