package spikelab.optim;

import java.util.List;

import spikelab.backend.Backend;
import spikelab.backend.Scalars;
import spikelab.backend.Tensor;
import spikelab.model.Parameter;
import spikelab.model.Transformer;

/**
 * One training step: forward, backward, global-norm clipping, AdamW, and (with
 * {@code measure}) the stability measurements the trainer records every step. Everything
 * between the batch upload and one read of {@link Scalars} at the end runs on the backend
 * without a host round trip: the loss and gradient sums, the clipping scale and the skip of a
 * non-finite update are computed there. That makes the step one fixed sequence of ops, which
 * {@link Backend#replay} may record once and replay (CUDA graphs).
 *
 * <p>The values are those of the step written out on the host (sums of the same reductions,
 * the same double arithmetic for the norm and scale), so a run is bit-identical either way.
 */
public final class TrainStep {
    // scalar slots: host-written per step, then computed by the step
    private static final int LR = 0, SCALE = 3, LOSS = 4, LOGZ = 5, UPDATE_SQ = 6, PARAM_SQ = 7, GRAD_SQ = 8;

    /** What one step measured. */
    public record Result(float loss, double gradNorm, double[] paramGradSquares, boolean clipped, boolean updated,
                         double updateRatio, float[] maxAttentionLogit, double logZMean) {}

    private final Transformer model;
    private final Backend be;
    private final AdamW adam;
    private final double clip;
    private final boolean measure;
    private final Scalars scalars;
    private final double[] host;
    private final long[] paramLengths, allParams;
    private final Tensor previous;
    private final Runnable body = this::queue;

    /**
     * @param clip    global gradient-norm limit (0: no clipping)
     * @param measure also measure ‖Δθ‖/‖θ‖, the per-layer maximum attention logit and mean log Z
     */
    public TrainStep(Transformer model, AdamW adam, double clip, boolean measure) {
        if (!(clip >= 0) || Double.isInfinite(clip)) throw new IllegalArgumentException("--clip must be 0 or more, got " + clip);
        this.model = model;
        this.be = model.backend();
        this.adam = adam;
        this.clip = clip;
        this.measure = measure;
        List<Parameter> ps = model.parameters();
        paramLengths = new long[ps.size()];
        for (int i = 0; i < ps.size(); i++) paramLengths[i] = ps.get(i).value().size();
        allParams = new long[] {model.params().size()};
        scalars = be.allocateScalars(GRAD_SQ + ps.size());
        host = new double[GRAD_SQ + ps.size()];
        previous = measure ? be.allocate(model.params().size()).all() : null;
    }

    /** Trains on one batch of B·T inputs and next-token targets at learning rate {@code lr}. */
    public Result run(int[] in, int[] tg, float lr) {
        model.setBatch(in, tg);
        double[] next = new double[SCALE];
        adam.nextValues(next, LR, lr);
        be.writeScalars(scalars, next);
        be.replay(this, body);
        be.readScalars(scalars, host);

        double total = 0;
        double[] sq = new double[paramLengths.length];
        for (int i = 0; i < sq.length; i++) {
            sq[i] = host[GRAD_SQ + i];
            total += sq[i];
        }
        double gradNorm = Math.sqrt(total);
        boolean updated = !Double.isNaN(host[SCALE]);
        if (updated) adam.taken();
        boolean clipped = updated && clip > 0 && gradNorm > clip;
        float[] maxLogit = new float[model.config().layers()];
        double ratio = Double.NaN, logZMean = Double.NaN;
        if (measure) {
            be.download(model.maxAttentionLogit(), maxLogit);
            if (updated) ratio = Math.sqrt(host[UPDATE_SQ] / host[PARAM_SQ]);
            logZMean = host[LOGZ] / model.losses().size();
        }
        return new Result(model.meanLoss(host[LOSS]), gradNorm, sq, clipped, updated, ratio, maxLogit, logZMean);
    }

    // The step's ops, in the order the host-side loop ran them before (so the same values result).
    private void queue() {
        model.zeroGrad();
        model.forwardLosses();
        be.sumInto(scalars, LOSS, model.losses());
        model.backward();
        be.sumSquaresInto(scalars, GRAD_SQ, model.grads(), paramLengths);
        be.clipScale(scalars, GRAD_SQ, paramLengths.length, clip, SCALE);
        if (measure) be.copy(previous, model.params());
        adam.queue(scalars, LR);
        if (measure) {
            be.axpy(previous, -1f, model.params());
            be.sumSquaresInto(scalars, UPDATE_SQ, previous, allParams);
            be.sumSquaresInto(scalars, PARAM_SQ, model.params(), allParams);
            be.sumInto(scalars, LOGZ, model.logZ());
        }
    }
}
