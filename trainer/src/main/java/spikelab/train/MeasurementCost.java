package spikelab.train;

import java.util.Locale;

import spikelab.backend.Backend;
import spikelab.data.TokenDataset;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;
import spikelab.optim.TrainStep;

/**
 * What the stability measurements cost, timed in one process interleaved with training steps,
 * so that a shared machine's drift hits both alike: a step with the trainer's per-step
 * measurements ({@link TrainStep} with {@code measure}: ‖Δθ‖/‖θ‖, the per-layer maximum
 * attention logit, mean log Z) against the same step without them, the dead-unit probe and a
 * validation pass. The per-layer gradient norms come from the same segmented reduction the
 * global norm needs, so they cost nothing extra.
 */
public final class MeasurementCost {
    private MeasurementCost() {}

    /** Runs {@code steps} steps of each kind (after 20 untimed ones) on the dataset's first tokens and returns one line. */
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
        TrainStep bareStep = new TrainStep(model, adam, 1.0, false), measuredStep = new TrainStep(model, adam, 1.0, true);
        long bare = 0, measured = 0, probe = 0, val = 0;
        int probes = 0;
        for (int s = -20; s < steps; s++) {
            long t0 = System.nanoTime();
            bareStep.run(in, tg, 1e-4f);
            be.synchronize();
            long t1 = System.nanoTime();
            measuredStep.run(in, tg, 1e-4f);
            be.synchronize();
            long t2 = System.nanoTime();
            if (s < 0) continue;
            bare += t1 - t0;
            measured += t2 - t1;
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
        long extra = measured - bare;
        double step = bare / (double) steps, p = probe / (double) probes, v = val / (double) probes;
        return String.format(Locale.ROOT, "bare step %.2f ms; per-step measurements %.3f ms (%.1f%% of a step); "
                        + "dead-unit probe %.2f ms (%.2f%% at --probe-every 50); validation, %d batches, %.2f ms (%.1f%% at --eval-every 50)",
                step / 1e6, extra / 1e6 / steps, 100.0 * extra / bare, p / 1e6, 100.0 * p / 50 / step,
                evalBatches, v / 1e6, 100.0 * v / 50 / step);
    }
}
