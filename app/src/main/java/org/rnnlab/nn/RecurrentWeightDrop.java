package org.rnnlab.nn;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.weightnoise.IWeightNoise;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DropConnect on the recurrent weights {@code "RW"} only (AWD-LSTM's weight drop, Merity et al. 2017): in training,
 * each recurrent weight is zeroed with probability {@code rate} and the others scaled by 1/(1 − rate), one mask for
 * a whole forward/backward pass (a TBPTT window: the layer asks for its weights once per pass), drawn anew for the
 * next; evaluation and {@code rnnTimeStep} use the weights as they are. Other parameters pass through.
 *
 * <p>DL4J's own {@code DropConnect} hands the gradient of the dropped-out weights to the updater unchanged; the
 * gradient with respect to the weights themselves is that gradient times the mask, which rnnlab's recurrent layers
 * ({@link FusedLstm}, {@link Gru}) apply through {@link #maskGradient}.
 */
public class RecurrentWeightDrop implements IWeightNoise {

    /** The parameter dropped: the recurrent weights of rnnlab's and DL4J's recurrent layers. */
    public static final String KEY = "RW";

    @JsonProperty
    private double rate;
    /** The mask of the current pass, outside every workspace; null before the first training pass. */
    private transient INDArray mask;

    /** @param rate probability of dropping a weight, in [0, 1) */
    public RecurrentWeightDrop(@JsonProperty("rate") double rate) {
        if (!(rate >= 0.0 && rate < 1.0)) {
            throw new IllegalArgumentException("recurrent weight drop rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
    }

    public double getRate() {
        return rate;
    }

    @Override
    public INDArray getParameter(Layer layer, String paramKey, int iteration, int epoch, boolean train,
                                 LayerWorkspaceMgr workspaceMgr) {
        INDArray p = layer.getParam(paramKey);
        if (!train || rate == 0.0 || !KEY.equals(paramKey)) {
            return p;
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (mask == null || !mask.equalShapes(p) || mask.dataType() != p.dataType()) {
                mask = Nd4j.createUninitialized(p.dataType(), p.shape(), 'c');
            }
            mask.assign(1.0);
            Nd4j.getExecutioner().exec(new DropOutInverted(mask, 1.0 - rate));
        }
        return p.mul(mask);
    }

    /**
     * Turns {@code gradient}, the gradient of the dropped-out recurrent weights of the pass just run backward, into
     * that of the weights: multiplied by the pass's mask. Nothing for other weight noise, or before a training pass.
     */
    public static void maskGradient(IWeightNoise noise, INDArray gradient) {
        if (noise instanceof RecurrentWeightDrop d && d.rate > 0.0 && d.mask != null) {
            gradient.muli(d.mask);
        }
    }

    /** The mask of the last training pass (for tests), or null. */
    public INDArray lastMask() {
        return mask;
    }

    @Override
    public IWeightNoise clone() {
        return new RecurrentWeightDrop(rate);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecurrentWeightDrop d && d.rate == rate;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(rate);
    }

    @Override
    public String toString() {
        return "RecurrentWeightDrop(rate=" + rate + ")";
    }
}
