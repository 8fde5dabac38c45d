package org.rnnlab.nn.params;

import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Orthogonal weight initialisation, Keras' default for recurrent kernels: a {@code [rows, cols]}
 * matrix with orthonormal rows (or columns, whichever are fewer), drawn uniformly as the Q factor of
 * the QR decomposition of a Gaussian matrix with the signs of R's diagonal folded in. For a gated
 * kernel {@code [n, gates·n]} the whole matrix is orthogonal, as in Keras.
 *
 * <p>DL4J's own {@code OrthogonalDistribution} relies on ND4J's SVD op, which did not finish within
 * minutes for a 64 × 64 matrix on DL4J 1.0.0-M2.1 (CPU); ND4J's QR op takes milliseconds.
 */
public final class OrthogonalInit implements IWeightInit {

    private static final long serialVersionUID = 1L;

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        long rows = shape[0];
        long cols = paramView.length() / rows;
        long tall = Math.max(rows, cols);
        long narrow = Math.min(rows, cols);
        INDArray gaussian = Nd4j.randn(paramView.dataType(), tall, narrow);
        INDArray[] qr = Nd4j.linalg().qr(gaussian, false);
        INDArray signs = Transforms.sign(Nd4j.diag(qr[1]).reshape(1, narrow), false);
        INDArray q = qr[0].mulRowVector(signs);
        INDArray w = rows < cols ? q.transpose() : q;
        // Callers reshape the flat view in `order` (some ignore the return value), so fill it that way.
        paramView.assign(Nd4j.toFlattened(order, w).reshape(paramView.shape()));
        return paramView.reshape(order, shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OrthogonalInit;
    }

    @Override
    public int hashCode() {
        return OrthogonalInit.class.hashCode();
    }
}
