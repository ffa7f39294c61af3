package spikelab.report;

import java.util.Locale;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import spikelab.run.Json;

/**
 * One finished (or stopped) run as the report sees it: the summary.json fields, and on demand
 * the per-step curves from metrics.jsonl. Non-finite numbers come back from their JSON strings
 * ("NaN", "Infinity") as doubles.
 */
public final class RunData {
    public final Path dir;
    public final String name, activation, norm, device;
    public final int layers, dModel, stepsPlanned, stepsCompleted, lossSpikes, gradSpikes, explosions;
    /** Steps the loss spike score is over; -1 where summary.json does not say. */
    public final int lossSpikeEligible;
    public final long seed, parameterCount;
    public final boolean interrupted, diverged;
    public final Integer divergedStep;
    public final double lr, finalTrainLoss, finalValLoss, bestValLoss, valLossAtInit, lossSpikeScore,
            gradSpikeScore, deadFraction, maxAttnLogit, tokensPerS, wallTimeS;
    /** Largest FFN outlier ratio (max |a| / RMS of a token's FFN output) over the run's probes; NaN for runs from before it. */
    public final double maxFfnOutlierRatio;
    /** Whether summary.json records {@link #maxFfnOutlierRatio} (runs from before 2026-12-05 do not). */
    public final boolean hasOutlierRatio;
    /**
     * Fields newer runs write and older ones lack (null or NaN there): qk-norm and z-loss
     * (config.json), the corpus, the FFN hidden width, the outcome (ok | diverged | stalled |
     * interrupted) and the fraction of dead units that came back.
     */
    public final Boolean qkNorm;
    public final Integer ffnHidden;
    public final String data, outcome;
    /** The products' precision (fp32, tf32, bf16); runs from before --precision read fp32, or tf32 if they had --tf32. */
    public final String precision;
    public final double zLoss, deadRecoveredFraction;
    /** The training settings that make runs of one activation × depth different arms (see {@link Cells}). */
    public final RunSettings settings;
    private Curves curves;

    /** Per-step series from metrics.jsonl (NaN where a step lacks the field). */
    public static final class Curves {
        public final double[] step, loss, gradNorm, logZ;

        Curves(double[] step, double[] loss, double[] gradNorm, double[] logZ) {
            this.step = step;
            this.loss = loss;
            this.gradNorm = gradNorm;
            this.logZ = logZ;
        }
    }

    /** summary.json as read, for the fields no column above holds (spikelab compare's --metric). */
    private final JsonObject summary;

    private RunData(Path dir, JsonObject s, JsonObject cfg) {
        this.dir = dir;
        this.summary = s;
        name = str(s, "name", dir.getFileName().toString());
        activation = str(s, "activation", "?");
        norm = str(s, "norm", "pre");
        device = str(s, "device", "?");
        layers = (int) num(s, "layers");
        dModel = (int) num(s, "d_model");
        seed = (long) num(s, "seed");
        parameterCount = (long) num(s, "parameter_count");
        stepsPlanned = (int) num(s, "steps_planned");
        stepsCompleted = (int) num(s, "steps_completed");
        interrupted = bool(s, "interrupted");
        diverged = bool(s, "diverged");
        JsonElement ds = s.get("diverged_step");
        divergedStep = ds == null || ds.isJsonNull() ? null : ds.getAsInt();
        lr = num(s, "lr");
        finalTrainLoss = num(s, "final_train_loss");
        finalValLoss = num(s, "final_val_loss");
        bestValLoss = num(s, "best_val_loss");
        valLossAtInit = num(s, "val_loss_at_init");
        lossSpikes = (int) num(s, "loss_spikes");
        gradSpikes = (int) num(s, "grad_spikes");
        explosions = (int) num(s, "explosions");
        lossSpikeScore = num(s, "loss_spike_score");
        double eligible = num(s, "loss_spike_eligible_steps");
        lossSpikeEligible = Double.isNaN(eligible) ? -1 : (int) eligible;
        gradSpikeScore = num(s, "grad_spike_score");
        deadFraction = num(s, "dead_fraction");
        maxAttnLogit = num(s, "max_attn_logit");
        hasOutlierRatio = s.has("max_ffn_outlier_ratio");
        maxFfnOutlierRatio = num(s, "max_ffn_outlier_ratio");
        tokensPerS = num(s, "tokens_per_s");
        wallTimeS = num(s, "wall_time_s");
        JsonElement qk = either(s, cfg, "qk_norm");
        qkNorm = qk == null || !qk.isJsonPrimitive() ? null : qk.getAsJsonPrimitive().isBoolean() ? qk.getAsBoolean()
                : !List.of("off", "false", "0").contains(qk.getAsString().toLowerCase(java.util.Locale.ROOT));
        JsonElement z = either(s, cfg, "z_loss");
        zLoss = z == null ? Double.NaN : Json.toDouble(z);
        // the width used is config.json's "hidden"; "ffn_hidden" is the option as given ("auto" or N)
        JsonElement h = either(s, cfg, "hidden");
        if (h == null) h = either(s, cfg, "ffn_hidden");
        ffnHidden = h == null || !h.isJsonPrimitive() || !h.getAsJsonPrimitive().isNumber() ? null : h.getAsInt();
        JsonElement corpus = either(s, cfg, "corpus"), file = either(s, cfg, "data");
        data = corpus != null && corpus.isJsonPrimitive() ? corpus.getAsString()
                : file != null && file.isJsonPrimitive() ? file.getAsString()
                : cfg != null && cfg.has("data") ? "built-in" : null;
        JsonElement oc = s.get("outcome");
        outcome = oc == null || oc.isJsonNull() ? null : oc.getAsString();
        deadRecoveredFraction = num(s, "dead_recovered_fraction");
        JsonElement pr = either(s, cfg, "precision"), tf = either(s, cfg, "tf32");
        precision = pr != null && pr.isJsonPrimitive() ? pr.getAsString()
                : tf != null && tf.isJsonPrimitive() && tf.getAsBoolean() ? "tf32" : "fp32";
        JsonElement w = either(s, cfg, "warmup"), c = either(s, cfg, "clip"), b2 = either(s, cfg, "beta2");
        settings = new RunSettings(norm, dModel, Boolean.TRUE.equals(qkNorm), Double.isNaN(zLoss) ? 0 : zLoss, stepsPlanned,
                w == null ? -1 : w.getAsInt(), c == null ? Double.NaN : Json.toDouble(c), b2 == null ? Double.NaN : Json.toDouble(b2),
                data == null ? null : Path.of(data).getFileName().toString(), precision, RunSettings.readExtra(cfg));
        for (String key : new String[] {"activation", "layers", "lr", "seed", "final_val_loss"}) {
            if (!s.has(key)) {
                throw new IllegalArgumentException(dir.resolve("summary.json") + " has no '" + key
                        + "': it was not written by spikelab train; remove it from the report's inputs");
            }
        }
    }

    /**
     * summary.json's number under key (non-finite values read back from their strings, JSON null
     * as NaN); null when the key is absent or holds no number (text, a boolean, a list).
     */
    public Double summaryNumber(String key) {
        JsonElement e = summary.get(key);
        if (e == null) return null;
        try {
            return Json.toDouble(e);
        } catch (IllegalStateException | NumberFormatException notANumber) {
            return null;
        }
    }

    /** Whether summary.json has key at all. */
    public boolean summaryHas(String key) {
        return summary.has(key);
    }

    /** The keys of summary.json that {@link #summaryNumber} reads as numbers, sorted. */
    public List<String> numericSummaryKeys() {
        List<String> keys = new ArrayList<>();
        for (String k : summary.keySet()) {
            JsonElement v = summary.get(k);
            // summaryNumber already refuses booleans, text and lists; null would read as NaN, so it is left out here
            if (v.isJsonPrimitive() && summaryNumber(k) != null) keys.add(k);
        }
        java.util.Collections.sort(keys);
        return keys;
    }

    /** Whether the run got as far as it was going to: all steps, or stopped by divergence. */
    public boolean finished() { return stepsCompleted == stepsPlanned || diverged; }

    /** Stalled: summary.json's outcome says so (runs without an outcome never count as stalled). */
    public boolean stalled() { return "stalled".equals(outcome); }

    /** The largest |log Z| (output-logit log-partition, mean over the batch) of any step; NaN without the series. */
    public double maxAbsLogZ() {
        double m = Double.NaN;
        for (double v : curves().logZ) if (Double.isFinite(v)) m = Double.isNaN(m) ? Math.abs(v) : Math.max(m, Math.abs(v));
        return m;
    }

    /** Metrics computed from metrics.jsonl rather than read from summary.json, by the names {@code compare --metric} takes. */
    private static final java.util.Map<String, java.util.function.ToDoubleFunction<RunData>> CURVE_METRIC = new java.util.LinkedHashMap<>();
    static {
        CURVE_METRIC.put("max_abs_logz", RunData::maxAbsLogZ);
        CURVE_METRIC.put("final_abs_logz", RunData::finalAbsLogZ);
    }
    /** Their names, in the order {@code compare}'s error lists them. */
    public static final List<String> CURVE_METRICS = List.copyOf(CURVE_METRIC.keySet());

    /** Steps at the end of a run that {@link #finalAbsLogZ} averages over. */
    static final int FINAL_STEPS = 100;

    /**
     * The mean |log Z| over the run's last 100 steps (steps after its last step − 100); NaN
     * without the series. Where log Z only falls from its value at initialisation (ln V, 10.8
     * with GPT-2's vocabulary), {@link #maxAbsLogZ} is that first step's and says nothing of
     * training; this is where training left it.
     */
    public double finalAbsLogZ() {
        Curves c = curves();
        double last = Double.NEGATIVE_INFINITY;
        for (double s : c.step) last = Math.max(last, s);
        double sum = 0;
        int n = 0;
        for (int i = 0; i < c.step.length; i++) {
            if (c.step[i] > last - FINAL_STEPS && Double.isFinite(c.logZ[i])) {
                sum += Math.abs(c.logZ[i]);
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** One of {@link #CURVE_METRICS} by name, or null for any other name. */
    public Double curveMetric(String name) {
        java.util.function.ToDoubleFunction<RunData> f = CURVE_METRIC.get(name);
        return f == null ? null : f.applyAsDouble(this);
    }

    /** Reads dir/summary.json. */
    public static RunData load(Path dir) {
        Path f = dir.resolve("summary.json");
        try {
            JsonElement e = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) throw new JsonParseException("not a JSON object");
            return new RunData(dir, e.getAsJsonObject(), readConfig(dir.resolve("config.json")));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + f + " (" + e.getMessage() + ")", e);
        } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
            throw new IllegalArgumentException(f + " is not a valid summary (" + e.getMessage()
                    + "): delete the run directory or leave it out of the report", e);
        }
    }

    /** config.json, or null when it is missing or unreadable: summary.json alone describes a run. */
    private static JsonObject readConfig(Path f) {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8));
            return e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (IOException | JsonParseException e) {
            return null;
        }
    }

    /** summary.json's value of key, else config.json's; null when neither has it (or it is JSON null). */
    private static JsonElement either(JsonObject s, JsonObject cfg, String key) {
        JsonElement e = s.get(key);
        if ((e == null || e.isJsonNull()) && cfg != null) e = cfg.get(key);
        return e == null || e.isJsonNull() ? null : e;
    }

    /** The curves from metrics.jsonl, read once; empty when the file is missing. */
    public Curves curves() {
        if (curves == null) curves = readCurves(dir.resolve("metrics.jsonl"));
        return curves;
    }

    private static Curves readCurves(Path f) {
        List<double[]> rows = new ArrayList<>();
        if (Files.exists(f)) {
            try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                while ((line = r.readLine()) != null) {
                    n++;
                    if (line.isBlank()) continue;
                    JsonObject o;
                    try {
                        o = JsonParser.parseString(line).getAsJsonObject();
                    } catch (JsonParseException | IllegalStateException e) {
                        throw new IllegalArgumentException(f + " line " + n + " is not a JSON object: the file is damaged; rerun that run");
                    }
                    rows.add(new double[] {num(o, "step"), num(o, "loss"), num(o, "grad_norm"), num(o, "logz_mean")});
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + f + " (" + e.getMessage() + ")", e);
            }
        }
        int n = rows.size();
        double[] step = new double[n], loss = new double[n], grad = new double[n], logZ = new double[n];
        for (int i = 0; i < n; i++) {
            step[i] = rows.get(i)[0];
            loss[i] = rows.get(i)[1];
            grad[i] = rows.get(i)[2];
            logZ[i] = rows.get(i)[3];
        }
        return new Curves(step, loss, grad, logZ);
    }

    /**
     * The runs under each input: a run directory (holds summary.json), a sweep directory (its
     * runs/ subdirectory), or any directory whose children are run directories. Sorted by
     * directory name so reports are reproducible.
     */
    public static List<RunData> find(List<Path> inputs) {
        List<RunData> out = new ArrayList<>();
        for (Path in : inputs) {
            if (!Files.exists(in)) throw new IllegalArgumentException(in + " does not exist: pass run or sweep directories");
            if (!Files.isDirectory(in)) throw new IllegalArgumentException(in + " is not a directory: pass run or sweep directories");
            if (Files.exists(in.resolve("summary.json"))) {
                out.add(load(in));
                continue;
            }
            Path parent = Files.isDirectory(in.resolve("runs")) ? in.resolve("runs") : in;
            List<Path> children = new ArrayList<>();
            try (Stream<Path> s = Files.list(parent)) {
                s.filter(p -> Files.exists(p.resolve("summary.json"))).sorted().forEach(children::add);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot list " + parent + " (" + e.getMessage() + ")", e);
            }
            if (children.isEmpty()) {
                throw new IllegalArgumentException("no runs found in " + in + ": expected summary.json there, in runs/*/ or in */");
            }
            for (Path c : children) out.add(load(c));
        }
        return out;
    }

    static double num(JsonObject o, String key) {
        try {
            return Json.toDouble(o.get(key));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("'" + key + "': " + e.getMessage(), e);
        }
    }

    private static String str(JsonObject o, String key, String dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsString();
    }

    private static boolean bool(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && !e.isJsonNull() && e.getAsBoolean();
    }

    /**
     * A learning rate the way sweep directories name it: 3e-3, 1e-2, 2.5e-4. Here rather than in
     * Report so that a sweep loads no plotting (AWT) classes: a runtime without java.desktop runs it.
     */
    public static String lrLabel(double lr) {
        if (!Double.isFinite(lr) || lr == 0) return String.valueOf(lr);
        String s = String.format(Locale.ROOT, "%.6e", lr);          // e.g. 3.000000e-03
        int e = s.indexOf('e');
        String mant = s.substring(0, e).replaceAll("0+$", "").replaceAll("\\.$", "");
        int exp = Integer.parseInt(s.substring(e + 1));
        return mant + "e" + exp;
    }
}
