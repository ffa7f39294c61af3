package spikelab.train;

import java.util.ArrayDeque;
import java.util.Arrays;

import com.google.gson.JsonObject;
import spikelab.run.Json;
import spikelab.run.RunWriter;

/**
 * Applies the DESIGN §3 detectors to each step and appends their events to events.jsonl.
 */
final class StabilityTracker {
    static final class Flags {
        boolean lossSpike, gradSpike, explosion, diverged;
    }

    private final TrainOptions opt;
    private final double lnV;
    private final RunWriter out;
    private final ArrayDeque<Double> losses = new ArrayDeque<>(), norms = new ArrayDeque<>();
    private int lossSpikes, gradSpikes, explosions, eligibleLoss, eligibleGrad;

    StabilityTracker(TrainOptions opt, double lnV, RunWriter out) {
        this.opt = opt;
        this.lnV = lnV;
        this.out = out;
    }

    Flags observe(int step, double loss, double gradNorm, boolean afterWarmup) {
        Flags f = new Flags();
        int w = opt.spikeWindow;
        if (losses.size() == w && Double.isFinite(loss)) {
            eligibleLoss++;
            double[] ms = meanStd(losses);
            double thr = ms[0] + opt.spikeThreshold * ms[1];
            if (loss > thr) {
                f.lossSpike = true;
                lossSpikes++;
                event(step, "loss_spike", loss, ms[0], ms[1], thr);
            }
        }
        if (norms.size() == w && Double.isFinite(gradNorm)) {
            eligibleGrad++;
            double[] ms = meanStd(norms);
            double thr = ms[0] + opt.spikeThreshold * ms[1];
            if (gradNorm > thr) {
                f.gradSpike = true;
                gradSpikes++;
                event(step, "grad_spike", gradNorm, ms[0], ms[1], thr);
            }
        }
        if (!Double.isFinite(gradNorm) || (norms.size() == w && gradNorm > opt.explosionFactor * median(norms))) {
            f.explosion = true;
            explosions++;
            JsonObject e = base(step, "explosion", gradNorm);
            if (!norms.isEmpty()) {
                double med = median(norms);
                Json.put(e, "median", med);
                Json.put(e, "threshold", opt.explosionFactor * med);
            }
            out.event(e);
        }
        if (!Double.isFinite(loss) || (afterWarmup && loss > lnV + 1)) {
            f.diverged = true;
            JsonObject e = base(step, "divergence", loss);
            Json.put(e, "threshold", lnV + 1);
            out.event(e);
        }
        push(losses, loss, w);
        push(norms, gradNorm, w);
        return f;
    }

    private static void push(ArrayDeque<Double> q, double v, int w) {
        if (!Double.isFinite(v)) return;
        q.addLast(v);
        if (q.size() > w) q.removeFirst();
    }

    private static double[] meanStd(ArrayDeque<Double> q) {
        double s = 0;
        for (double v : q) s += v;
        double mean = s / q.size(), ss = 0;
        for (double v : q) ss += (v - mean) * (v - mean);
        return new double[] {mean, Math.sqrt(ss / q.size())};
    }

    private static double median(ArrayDeque<Double> q) {
        double[] a = q.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : 0.5 * (a[a.length / 2 - 1] + a[a.length / 2]);
    }

    private JsonObject base(int step, String type, double value) {
        JsonObject e = new JsonObject();
        e.addProperty("step", step);
        e.addProperty("type", type);
        Json.put(e, "value", value);
        return e;
    }

    private void event(int step, String type, double value, double mean, double std, double thr) {
        JsonObject e = base(step, type, value);
        Json.put(e, "mean", mean);
        Json.put(e, "std", std);
        Json.put(e, "threshold", thr);
        out.event(e);
    }

    // ---- checkpoint state (Checkpointing): windows and counts, so a resumed run flags the same steps ----

    JsonObject state() {
        JsonObject o = new JsonObject();
        o.add("losses", Json.numbers(losses.stream().mapToDouble(Double::doubleValue).toArray()));
        o.add("norms", Json.numbers(norms.stream().mapToDouble(Double::doubleValue).toArray()));
        o.add("counts", Json.numbers(new double[] {lossSpikes, gradSpikes, explosions, eligibleLoss, eligibleGrad}));
        return o;
    }

    void restore(JsonObject o) {
        losses.clear();
        norms.clear();
        o.getAsJsonArray("losses").forEach(e -> losses.addLast(Json.toDouble(e)));
        o.getAsJsonArray("norms").forEach(e -> norms.addLast(Json.toDouble(e)));
        com.google.gson.JsonArray c = o.getAsJsonArray("counts");
        lossSpikes = c.get(0).getAsInt();
        gradSpikes = c.get(1).getAsInt();
        explosions = c.get(2).getAsInt();
        eligibleLoss = c.get(3).getAsInt();
        eligibleGrad = c.get(4).getAsInt();
    }

    void addCounts(JsonObject o) {
        o.addProperty("loss_spikes", lossSpikes);
        o.addProperty("grad_spikes", gradSpikes);
        o.addProperty("explosions", explosions);
        Json.put(o, "loss_spike_score", eligibleLoss == 0 ? 0 : (double) lossSpikes / eligibleLoss);
        Json.put(o, "grad_spike_score", eligibleGrad == 0 ? 0 : (double) gradSpikes / eligibleGrad);
    }
}
