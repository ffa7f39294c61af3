package spikelab.train;

import java.util.List;

import spikelab.backend.Backend;
import spikelab.backend.Tensor;
import spikelab.data.EvalBatches;
import spikelab.data.TokenDataset;
import spikelab.model.Transformer;
import spikelab.stability.DeadUnits;

/**
 * Validation loss on a fixed set of held-out batches, and the dead-FFN-unit probe on a fixed
 * held-out batch (DESIGN §3): a unit is dead when its activation output is exactly 0 (relu
 * family) or below 1e-6 in magnitude (others) for every token of the probe.
 */
final class Evaluator {
    private final Transformer model;
    private final Backend be;
    private final List<EvalBatches.Batch> batches;
    private final EvalBatches.Batch probe;
    private final Tensor unitMax;
    private final float[] unitMaxHost;

    Evaluator(Transformer model, TokenDataset data, int count, long seed) {
        this.model = model;
        this.be = model.backend();
        int t = model.config().context();
        this.batches = EvalBatches.fixed(data.val(), model.batch(), t, count, seed);
        this.probe = EvalBatches.probe(data.val(), model.batch(), t);
        int h = model.config().hidden();
        this.unitMax = be.allocate(h).all();
        this.unitMaxHost = new float[h];
    }

    double validationLoss() {
        double sum = 0;
        for (EvalBatches.Batch b : batches) {
            model.setBatch(b.inputs(), b.targets());
            sum += model.forward();
        }
        return sum / batches.size();
    }

    double[] deadFractions() {
        model.setBatch(probe.inputs(), probe.targets());
        model.forwardLogits();
        int layers = model.config().layers(), h = model.config().hidden();
        int rows = model.batch() * model.config().context();
        double[] out = new double[layers];
        for (int l = 0; l < layers; l++) {
            be.columnAbsMax(unitMax, model.ffnActivation(l), rows, h);
            be.download(unitMax, unitMaxHost);
            out[l] = DeadUnits.fraction(unitMaxHost, model.config().activation());
        }
        return out;
    }
}
