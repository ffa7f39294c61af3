package spikelab.train;

import com.google.gson.JsonObject;
import spikelab.model.Transformer;
import spikelab.run.Json;
import spikelab.stability.DeadUnitTracker;
import spikelab.stability.Outcome;
import spikelab.stability.StabilityMonitor;

/** Accumulates what summary.json reports about a run. */
final class Summary {
    private final TrainOptions opt;
    private final Transformer model;
    private final double unigramEntropy;
    final DeadUnitTracker deadUnits;
    double valLossAtInit = Double.NaN;
    private double finalTrainLoss = Double.NaN, finalVal = Double.NaN, bestVal = Double.POSITIVE_INFINITY;
    private double maxAttnLogit = 0, maxOutlierRatio = 0;
    private double[] dead = new double[0], outliers = new double[0];
    private Integer divergedStep;
    private JsonObject finished;

    /** @param unigramEntropy of the training tokens, in nats: the bar for {@code stalled} */
    Summary(TrainOptions opt, Transformer model, double unigramEntropy) {
        this.opt = opt;
        this.model = model;
        this.unigramEntropy = unigramEntropy;
        this.deadUnits = new DeadUnitTracker(model.config().layers(), model.config().hidden());
    }

    void observeStep(int step, double loss, double[] maxLogit) {
        finalTrainLoss = loss;
        for (double m : maxLogit) if (m > maxAttnLogit || Double.isNaN(m)) maxAttnLogit = m;
    }

    void observeVal(double val) {
        finalVal = val;
        if (val < bestVal) bestVal = val;
    }

    void observeProbe(Evaluator.Probe probe) {
        dead = probe.deadFractions();
        outliers = probe.outlierRatios();
        for (double r : outliers) if (r > maxOutlierRatio || Double.isNaN(r)) maxOutlierRatio = r;
    }

    void diverged(int step) {
        if (divergedStep == null) divergedStep = step;
    }

    void finish(int steps, boolean interrupted, StabilityMonitor.Summary stability, long trainNanos, double wallSeconds,
                int tokensPerStep, String device) {
        JsonObject o = new JsonObject();
        o.addProperty("activation", model.config().activation().cliName());
        o.addProperty("norm", model.config().norm().cliName());
        o.addProperty("layers", model.config().layers());
        o.addProperty("d_model", model.config().dModel());
        Json.put(o, "lr", opt.lr);
        o.addProperty("seed", opt.seed);
        o.addProperty("parameter_count", model.config().parameterCount());
        o.addProperty("device", device);
        o.addProperty("steps_planned", opt.steps);
        o.addProperty("steps_completed", steps);
        o.addProperty("interrupted", interrupted);
        o.addProperty("outcome", Outcome.of(divergedStep != null, interrupted, steps, opt.warmup, finalVal, unigramEntropy, opt.stallMargin));
        Json.put(o, "unigram_entropy", unigramEntropy);
        o.addProperty("diverged", divergedStep != null);
        o.addProperty("diverged_step", divergedStep);
        Json.put(o, "final_train_loss", finalTrainLoss);
        Json.put(o, "final_val_loss", finalVal);
        Json.put(o, "best_val_loss", bestVal == Double.POSITIVE_INFINITY ? Double.NaN : bestVal);
        Json.put(o, "val_loss_at_init", valLossAtInit);
        stability.addTo(o);
        double mean = 0;
        for (double d : dead) mean += d;
        Json.put(o, "dead_fraction", dead.length == 0 ? Double.NaN : mean / dead.length);
        o.add("dead_fraction_per_layer", Json.numbers(dead));
        deadUnits.addTo(o);
        Json.put(o, "max_attn_logit", maxAttnLogit);
        Json.put(o, "max_ffn_outlier_ratio", maxOutlierRatio);
        o.add("ffn_outlier_ratio_per_layer", Json.numbers(outliers));
        Json.put(o, "tokens_per_s", trainNanos == 0 ? 0 : Math.round((double) steps * tokensPerStep / (trainNanos / 1e9)));
        Json.put(o, "wall_time_s", wallSeconds);
        finished = o;
    }

    JsonObject toJson() { return finished; }

    // ---- checkpoint state (Checkpointing) ----

    JsonObject state() {
        JsonObject o = new JsonObject();
        Json.put(o, "val_loss_at_init", valLossAtInit);
        Json.put(o, "final_train_loss", finalTrainLoss);
        Json.put(o, "final_val", finalVal);
        Json.put(o, "best_val", bestVal);
        Json.put(o, "max_attn_logit", maxAttnLogit);
        o.add("dead", Json.numbers(dead));
        Json.put(o, "max_ffn_outlier_ratio", maxOutlierRatio);
        o.add("ffn_outlier_ratio", Json.numbers(outliers));
        o.add("dead_units", deadUnits.state());
        o.addProperty("diverged_step", divergedStep);
        return o;
    }

    void restore(JsonObject o) {
        valLossAtInit = Json.toDouble(o.get("val_loss_at_init"));
        finalTrainLoss = Json.toDouble(o.get("final_train_loss"));
        finalVal = Json.toDouble(o.get("final_val"));
        bestVal = Json.toDouble(o.get("best_val"));
        maxAttnLogit = Json.toDouble(o.get("max_attn_logit"));
        com.google.gson.JsonArray d = o.getAsJsonArray("dead");
        dead = new double[d.size()];
        for (int i = 0; i < dead.length; i++) dead[i] = Json.toDouble(d.get(i));
        // checkpoints from before the outlier ratio lack it: its maximum then counts from here on
        if (o.has("max_ffn_outlier_ratio")) {
            maxOutlierRatio = Json.toDouble(o.get("max_ffn_outlier_ratio"));
            com.google.gson.JsonArray r = o.getAsJsonArray("ffn_outlier_ratio");
            outliers = new double[r.size()];
            for (int i = 0; i < outliers.length; i++) outliers[i] = Json.toDouble(r.get(i));
        }
        // checkpoints from before per-unit tracking lack it: recovery then counts from here on
        if (o.has("dead_units")) deadUnits.restore(o.getAsJsonArray("dead_units"));
        divergedStep = o.get("diverged_step") == null || o.get("diverged_step").isJsonNull() ? null : o.get("diverged_step").getAsInt();
    }
}
