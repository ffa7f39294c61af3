package spikelab.optim;

import spikelab.backend.Backend;
import spikelab.backend.Buffer;
import spikelab.backend.Scalars;
import spikelab.backend.Tensor;
import spikelab.model.Transformer;

/**
 * AdamW with decoupled weight decay on the matrices only: the model keeps decayed parameters at
 * the front of its buffer, so an update is two calls of {@link Backend#adamW}.
 */
public final class AdamW {
    private final Transformer model;
    private final Backend be;
    private final Tensor m, v;
    private final float beta1, beta2, eps, weightDecay;
    private int step;

    public AdamW(Transformer model, float beta1, float beta2, float eps, float weightDecay) {
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("--weight-decay must be 0 or more, got " + weightDecay);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        this.model = model;
        this.be = model.backend();
        long n = model.params().size();
        Buffer mb = be.allocate(n), vb = be.allocate(n);
        this.m = mb.all();
        this.v = vb.all();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** One update with the gradients currently in the model, scaled by {@code gradScale} (clipping). */
    public void step(float lr, float gradScale) {
        step++;
        long nd = model.decayedCount(), total = model.params().size();
        Tensor p = model.params(), g = model.grads();
        be.adamW(p.slice(0, nd), g.slice(0, nd), m.slice(0, nd), v.slice(0, nd), lr, beta1, beta2, eps,
                weightDecay, gradScale, step);
        if (total > nd) {
            be.adamW(p.slice(nd, total - nd), g.slice(nd, total - nd), m.slice(nd, total - nd),
                    v.slice(nd, total - nd), lr, beta1, beta2, eps, 0f, gradScale, step);
        }
    }

    /**
     * The next update's per-step values into {@code dst} from {@code at}: lr, then the bias
     * corrections 1 − β₁ᵗ and 1 − β₂ᵗ for t = {@link #step()} + 1 (the layout
     * {@link Backend#adamW(Tensor, Tensor, Tensor, Tensor, Scalars, int, float, float, float, float)} reads).
     */
    public void nextValues(double[] dst, int at, float lr) {
        dst[at] = lr;
        dst[at + 1] = Backend.adamBiasCorrection(beta1, step + 1);
        dst[at + 2] = Backend.adamBiasCorrection(beta2, step + 1);
    }

    /**
     * Queues the update with lr, corrections and gradient scale read from {@code s} at
     * {@code at} (see {@link #nextValues}); the backend skips it when the scale is NaN. Call
     * {@link #taken()} once the step is known to have been applied.
     */
    public void queue(Scalars s, int at) {
        long nd = model.decayedCount(), total = model.params().size();
        Tensor p = model.params(), g = model.grads();
        be.adamW(p.slice(0, nd), g.slice(0, nd), m.slice(0, nd), v.slice(0, nd), s, at, beta1, beta2, eps, weightDecay);
        if (total > nd) {
            be.adamW(p.slice(nd, total - nd), g.slice(nd, total - nd), m.slice(nd, total - nd),
                    v.slice(nd, total - nd), s, at, beta1, beta2, eps, 0f);
        }
    }

    /** Counts an update {@link #queue}d and applied. */
    public void taken() {
        step++;
    }

    public Tensor m() { return m; }
    public Tensor v() { return v; }
    /** Updates taken so far. */
    public int step() { return step; }
    /** For resuming from a checkpoint. */
    public void setStep(int s) { step = s; }
}
