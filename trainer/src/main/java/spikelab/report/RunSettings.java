package spikelab.report;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import spikelab.run.Json;

/**
 * What sets an arm apart besides activation, depth, lr and seed: the named training settings
 * (LayerNorm placement, width, qk-norm, z-loss, steps, warm-up, clipping, β2, corpus, precision)
 * and the rest of config.json that defines the experiment ({@link #EXTRA}: heads, context, batch,
 * the optimiser's other constants, the measurement and detector settings). A missing qk_norm or
 * z_loss reads as off: runs from before those switches trained without them. Any other setting a
 * run's config.json lacks reads "?", and so splits it from runs that record a value: two runs are
 * never averaged together, or counted as one experiment, on a guess.
 */
public final class RunSettings {
    /**
     * config.json keys that define the experiment besides the named fields. Not here: what only
     * says how it was executed (name, device, threads, cuda_graphs, checkpoint_every; CPU runs are
     * bit-identical across thread counts) and what follows from other keys (hidden,
     * parameter_count, vocab_size, tokenizer_spec, data_description, entropy_floor_nats).
     */
    static final List<String> EXTRA = List.of("heads", "context", "batch", "ffn_hidden", "tie_embeddings", "scaled_init",
            "min_lr", "weight_decay", "beta1", "tokenizer", "data_seed", "eval_every", "eval_batches", "probe_every",
            "spike_window", "spike_threshold", "spike_rule", "explosion_factor", "diverge_patience", "stall_margin",
            "continue_on_divergence");

    public final String norm, data, precision;
    public final int dModel, steps, warmup;
    public final boolean qkNorm;
    public final double zLoss, clip, beta2;
    /** Every {@link #EXTRA} key → its value as text ("?" where config.json lacks it), in EXTRA's order. */
    public final Map<String, String> extra;

    RunSettings(String norm, int dModel, boolean qkNorm, double zLoss, int steps, int warmup, double clip, double beta2,
                String data, String precision, Map<String, String> extra) {
        this.precision = precision;
        this.norm = norm;
        this.dModel = dModel;
        this.qkNorm = qkNorm;
        this.zLoss = zLoss;
        this.steps = steps;
        this.warmup = warmup;
        this.clip = clip;
        this.beta2 = beta2;
        this.data = data;
        this.extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** The settings as labelled fields, in label order: the named ones, then the extra ones ("batch 16"). */
    public Map<String, String> fields() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("norm", norm + "-LN");
        m.put("d_model", "d" + dModel);
        m.put("qk_norm", qkNorm ? "qk-norm" : "no qk-norm");
        m.put("z_loss", zLoss == 0 ? "no z-loss" : "z-loss " + RunData.lrLabel(zLoss));
        m.put("steps", steps + " steps");
        m.put("warmup", warmup < 0 ? "warm-up ?" : "warm-up " + warmup);
        m.put("clip", Double.isNaN(clip) ? "clip ?" : clip == 0 ? "no clipping" : "clip " + fmt(clip));
        m.put("beta2", Double.isNaN(beta2) ? "beta2 ?" : "beta2 " + fmt(beta2));
        m.put("data", data == null ? "data ?" : data);
        m.put("precision", precision);
        for (Map.Entry<String, String> e : extra.entrySet()) m.put(e.getKey(), e.getKey().replace('_', ' ') + " " + e.getValue());
        return m;
    }

    /** config.json's {@link #EXTRA} values as text (numbers without a trailing ".0"; "?" where absent). */
    static Map<String, String> readExtra(JsonObject cfg) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String key : EXTRA) {
            JsonElement e = cfg == null ? null : cfg.get(key);
            if (e == null || e.isJsonNull() || !e.isJsonPrimitive()) m.put(key, "?");
            else if (e.getAsJsonPrimitive().isNumber()) m.put(key, fmt(Json.toDouble(e)));
            else m.put(key, e.getAsString());
        }
        return m;
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.valueOf((long) v);
        return Double.isFinite(v) ? BigDecimal.valueOf(v).stripTrailingZeros().toPlainString() : String.valueOf(v);
    }
}
