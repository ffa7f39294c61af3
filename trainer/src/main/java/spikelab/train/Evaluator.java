package spikelab.train;

import java.util.List;

import spikelab.backend.Backend;
import spikelab.data.EvalBatches;
import spikelab.data.TokenDataset;
import spikelab.model.Transformer;
import spikelab.stability.DeadUnitTracker;
import spikelab.stability.DeadUnits;

/**
 * Validation loss on a fixed set of held-out batches, and the dead-FFN-unit probe on a fixed
 * held-out batch (DESIGN §3): a unit is dead when |a_j| < 1e-3 · RMS(a) of its layer on every
 * probe token, for every activation; and from the same numbers each layer's FFN outlier ratio
 * ({@link DeadUnits#outlierRatio}). The probe's activations are downloaded and judged on the
 * host: probes are rare (every --probe-every steps), and the same code then serves every backend.
 */
final class Evaluator {
    private final Transformer model;
    private final Backend be;
    private final List<EvalBatches.Batch> batches;
    private final EvalBatches.Batch probe;
    private final float[] acts;

    Evaluator(Transformer model, TokenDataset data, int count, long seed) {
        this.model = model;
        this.be = model.backend();
        int t = model.config().context();
        this.batches = EvalBatches.fixed(data.val(), model.batch(), t, count, seed);
        this.probe = EvalBatches.probe(data.val(), model.batch(), t);
        this.acts = new float[Math.multiplyExact(model.batch() * t, model.config().hidden())];
    }

    double validationLoss() {
        double sum = 0;
        for (EvalBatches.Batch b : batches) {
            model.setBatch(b.inputs(), b.targets());
            sum += model.forward();
        }
        return sum / batches.size();
    }

    /** What one probe measured, per layer: the dead-unit fractions and the FFN outlier ratios. */
    record Probe(double[] deadFractions, double[] outlierRatios) {}

    /** The probe without tracking units across probes (as bench times it). */
    Probe probe() {
        return probe(new DeadUnitTracker(model.config().layers(), model.config().hidden()));
    }

    /** Runs the probe and records each unit's dead state in {@code tracker}. */
    Probe probe(DeadUnitTracker tracker) {
        model.setBatch(probe.inputs(), probe.targets());
        model.forwardLogits();
        int layers = model.config().layers(), h = model.config().hidden();
        int rows = model.batch() * model.config().context();
        double[] dead = new double[layers], outliers = new double[layers];
        for (int l = 0; l < layers; l++) {
            be.download(model.ffnActivation(l), acts);
            dead[l] = tracker.observe(l, DeadUnits.deadUnits(acts, rows, h));
            outliers[l] = DeadUnits.outlierRatio(acts, rows, h);
        }
        return new Probe(dead, outliers);
    }
}
