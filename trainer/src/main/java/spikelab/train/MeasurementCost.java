package spikelab.train;

import java.util.Locale;

import spikelab.backend.Backend;
import spikelab.data.TokenDataset;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;

/**
 * What the stability measurements cost, timed in one process interleaved with training steps,
 * so that a shared machine's drift hits both alike: the per-step {@link StepExtras} of the
 * training loop, the dead-unit probe and a validation pass. The per-layer gradient norms
 * come from the same segmented reduction the global norm needs, so they cost nothing extra.
 */
public final class MeasurementCost {
    private MeasurementCost() {}

    /** Runs {@code steps} steps (after 20 untimed ones) on the dataset's first tokens and returns one line. */
    public static String measure(Transformer model, AdamW adam, TokenDataset data, int evalBatches, long seed, int steps) {
        Backend be = model.backend();
        Evaluator ev = new Evaluator(model, data, evalBatches, seed);
        int n = model.batch() * model.config().context();
        int[] in = new int[n], tg = new int[n];
        int[] train = new int[(int) Math.min(data.train().size(), n + 1L)];
        data.train().read(0, train, 0, train.length);
        for (int i = 0; i < n; i++) {
            in[i] = train[i % (train.length - 1)];
            tg[i] = train[i % (train.length - 1) + 1];
        }
        StepExtras extras = new StepExtras(model);
        long[] all = {model.grads().size()};
        long bare = 0, extra = 0, probe = 0, val = 0;
        int probes = 0;
        for (int s = -20; s < steps; s++) {
            long t0 = System.nanoTime();
            model.setBatch(in, tg);
            model.zeroGrad();
            model.forward();
            model.backward();
            double norm = Math.sqrt(be.sumSquares(model.grads(), all)[0]);
            be.synchronize();
            long t1 = System.nanoTime();
            extras.beforeUpdate();
            be.synchronize();
            long t2 = System.nanoTime();
            adam.step(1e-4f, norm > 1 ? (float) (1 / norm) : 1f);
            be.synchronize();
            long t3 = System.nanoTime();
            extras.updateRatio();
            extras.maxAttentionLogits();
            extras.logZMean(n);
            long t4 = System.nanoTime();
            if (s < 0) continue;
            bare += (t1 - t0) + (t3 - t2);
            extra += (t2 - t1) + (t4 - t3);
            if (s % 50 == 0) {
                long p0 = System.nanoTime();
                ev.probe();
                be.synchronize();
                long p1 = System.nanoTime();
                ev.validationLoss();
                be.synchronize();
                probe += p1 - p0;
                val += System.nanoTime() - p1;
                probes++;
            }
        }
        double step = bare / (double) steps, p = probe / (double) probes, v = val / (double) probes;
        return String.format(Locale.ROOT, "bare step %.2f ms; per-step measurements %.3f ms (%.1f%% of a step); "
                        + "dead-unit probe %.2f ms (%.2f%% at --probe-every 50); validation, %d batches, %.2f ms (%.1f%% at --eval-every 50)",
                step / 1e6, extra / 1e6 / steps, 100.0 * extra / bare, p / 1e6, 100.0 * p / 50 / step,
                evalBatches, v / 1e6, 100.0 * v / 50 / step);
    }
}
