package spikelab.train;

import spikelab.backend.Backend;
import spikelab.backend.Tensor;
import spikelab.model.Transformer;

/**
 * The stability measurements a training step adds beyond forward, backward, the gradient norm
 * and AdamW: ‖Δθ‖/‖θ‖ from a copy of θ taken before the update, the per-layer maximum attention
 * logit and the mean output log-partition. {@link TrainLoop} records them every step and
 * {@link MeasurementCost} times exactly these calls.
 */
final class StepExtras {
    private final Backend be;
    private final Transformer model;
    private final Tensor previous;
    private final float[] maxLogit;

    StepExtras(Transformer model) {
        this.model = model;
        this.be = model.backend();
        this.previous = be.allocate(model.params().size()).all();
        this.maxLogit = new float[model.config().layers()];
    }

    /** Before the optimizer step: keep θ. */
    void beforeUpdate() {
        be.copy(previous, model.params());
    }

    /** After the optimizer step: ‖θ_new − θ_old‖ / ‖θ_new‖. */
    double updateRatio() {
        be.axpy(previous, -1f, model.params());
        double dsq = be.sumSquares(previous, new long[] {previous.size()})[0];
        double psq = be.sumSquares(model.params(), new long[] {model.params().size()})[0];
        return Math.sqrt(dsq / psq);
    }

    /** Max |attention logit| per layer of the last forward pass (the array is reused). */
    float[] maxAttentionLogits() {
        be.download(model.maxAttentionLogit(), maxLogit);
        return maxLogit;
    }

    /** Mean log-partition of the output logits over the last forward pass's tokens. */
    double logZMean(int tokens) {
        return be.sum(model.logZ()) / tokens;
    }
}
