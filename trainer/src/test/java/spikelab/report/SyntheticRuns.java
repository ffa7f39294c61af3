package spikelab.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import spikelab.run.Json;

/** Writes run directories shaped like spikelab train's, with chosen numbers, for report and sweep tests. */
public final class SyntheticRuns {
    private SyntheticRuns() {}

    /** Sets one field of dir/file (config.json or summary.json) of a run written by {@link #write}. */
    public static void set(Path dir, String file, String key, Object value) throws IOException {
        Path f = dir.resolve(file);
        JsonObject o = com.google.gson.JsonParser.parseString(Files.readString(f)).getAsJsonObject();
        if (value instanceof Boolean) o.addProperty(key, (Boolean) value);
        else if (value instanceof Number) Json.put(o, key, ((Number) value).doubleValue());
        else o.addProperty(key, (String) value);
        Files.writeString(f, Json.PRETTY.toJson(o));
    }

    /** A run of {@code steps} steps whose loss decays from init towards finalVal; diverged runs end in NaN. */
    public static void write(Path dir, String activation, int layers, long seed, double lr, int steps, int completed,
                             double init, double finalVal, boolean diverged) throws IOException {
        Files.createDirectories(dir);
        JsonObject cfg = new JsonObject();
        cfg.addProperty("name", dir.getFileName().toString());
        cfg.addProperty("activation", activation);
        cfg.addProperty("layers", layers);
        cfg.addProperty("d_model", 32);
        Json.put(cfg, "lr", lr);
        cfg.addProperty("seed", seed);
        cfg.addProperty("steps", steps);
        Files.writeString(dir.resolve("config.json"), Json.PRETTY.toJson(cfg));

        StringBuilder metrics = new StringBuilder();
        for (int t = 1; t <= completed; t++) {
            JsonObject m = new JsonObject();
            m.addProperty("step", t);
            double loss = diverged && t == completed ? Double.NaN : finalVal + (init - finalVal) * Math.exp(-t / 5.0);
            Json.put(m, "loss", loss);
            Json.put(m, "grad_norm", diverged && t == completed ? Double.POSITIVE_INFINITY : 2.0 / (1 + t) * layers);
            metrics.append(Json.GSON.toJson(m)).append('\n');
        }
        Files.writeString(dir.resolve("metrics.jsonl"), metrics);
        Files.writeString(dir.resolve("events.jsonl"), "");

        JsonObject s = new JsonObject();
        s.addProperty("name", dir.getFileName().toString());
        s.addProperty("activation", activation);
        s.addProperty("norm", "pre");
        s.addProperty("layers", layers);
        s.addProperty("d_model", 32);
        Json.put(s, "lr", lr);
        s.addProperty("seed", seed);
        s.addProperty("parameter_count", 12345);
        s.addProperty("device", "cpu, 2 threads");
        s.addProperty("steps_planned", steps);
        s.addProperty("steps_completed", completed);
        s.addProperty("interrupted", completed < steps && !diverged);
        s.addProperty("diverged", diverged);
        if (diverged) s.addProperty("diverged_step", completed);
        else s.add("diverged_step", null);
        Json.put(s, "final_train_loss", diverged ? Double.NaN : finalVal);
        Json.put(s, "final_val_loss", diverged ? Double.NaN : finalVal);
        Json.put(s, "best_val_loss", diverged ? init : finalVal);
        Json.put(s, "val_loss_at_init", init);
        s.addProperty("loss_spikes", layers / 2);
        s.addProperty("grad_spikes", 0);
        s.addProperty("explosions", diverged ? 1 : 0);
        Json.put(s, "loss_spike_score", layers / 200.0);
        Json.put(s, "grad_spike_score", 0);
        Json.put(s, "dead_fraction", activation.equals("relu") ? 0.1 * layers : 0);
        JsonArray per = new JsonArray();
        for (int l = 0; l < layers; l++) per.add(0);
        s.add("dead_fraction_per_layer", per);
        Json.put(s, "max_attn_logit", 3.0 + layers + seed);
        Json.put(s, "tokens_per_s", 5000);
        Json.put(s, "wall_time_s", 1.5);
        Files.writeString(dir.resolve("summary.json"), Json.PRETTY.toJson(s));
    }
}
