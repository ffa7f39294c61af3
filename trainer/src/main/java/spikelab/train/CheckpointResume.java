package spikelab.train;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import picocli.CommandLine.Option;
import spikelab.run.UserError;
import spikelab.backend.Precision;
import spikelab.run.AtomicFiles;
import spikelab.run.Json;
import spikelab.stability.StabilityMonitor;

/**
 * {@code spikelab train --resume DIR}: the run's own config.json decides what the run computes,
 * and the run files are cut back to the checkpoint's step before training appends to them.
 */
final class CheckpointResume {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CheckpointResume.class);
    /** Config keys that say how a run executes, not what it computes: these may be given anew. */
    private static final Set<String> FREE = Set.of("device", "threads", "tf32", "cuda_graphs",
            "continue_on_divergence", "checkpoint_every");

    private CheckpointResume() {}

    /**
     * Replaces every option stored in DIR/config.json by its stored value. An option given on
     * the command line (per {@code given}) with another value is an error, unless it is one of
     * the execution options in {@link #FREE}, which then keeps the new value.
     */
    static void applyRunConfig(TrainOptions opt, Predicate<String> given) {
        Path dir = opt.resume;
        if (!Files.isDirectory(dir)) {
            throw new UserError("--resume " + dir + " is not a run directory: pass the directory of a run written by spikelab train");
        }
        if (opt.out != null && !opt.out.toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
            throw new UserError("--out " + opt.out + " and --resume " + dir + " name different runs: a resumed run continues in its own directory, drop --out");
        }
        JsonObject config = readJson(dir.resolve("config.json"));
        for (Field f : TrainOptions.class.getFields()) {
            Option o = f.getAnnotation(Option.class);
            if (o == null) continue;
            String name = longestName(o);
            String key = name.substring(2).replace('-', '_');
            if (key.equals("precision") || key.equals("tf32")) continue;   // together, below
            boolean invert = key.equals("no_scaled_init");
            if (invert) key = "scaled_init";
            JsonElement stored = config.get(key);
            if (stored == null) continue;   // options a run does not record (output, logging)
            try {
                Object value = convert(stored, f.getType(), invert);
                Object current = f.get(opt);
                if (given.test(name) && !sameValue(current, value)) {
                    if (FREE.contains(key)) continue;
                    throw new UserError(name + " " + current + " differs from " + stored + " in " + dir.resolve("config.json")
                            + ": a resumed run keeps its configuration, drop " + name);
                }
                f.set(opt, value);
            } catch (IllegalAccessException | RuntimeException e) {
                if (e instanceof UserError) throw (UserError) e;
                throw new UserError(dir.resolve("config.json") + " has an unreadable '" + key + "' (" + stored
                        + "): the run directory is damaged");
            }
        }
        resumePrecision(opt, config, given, dir);
        opt.out = dir;
    }

    /**
     * fp32 and tf32 are how a run executes (a tf32 run may continue in fp32 on a CPU), bf16 and
     * bf16-autocast are what it computes: a run keeps them, or their absence.
     */
    private static void resumePrecision(TrainOptions opt, JsonObject config, Predicate<String> given, Path dir) {
        JsonElement p = config.get("precision"), t = config.get("tf32");
        Precision stored;
        try {
            stored = p != null ? Precision.parse(p.getAsString()) : t != null && t.getAsBoolean() ? Precision.TF32 : Precision.FP32;
        } catch (RuntimeException e) {
            throw new UserError(dir.resolve("config.json") + " has an unreadable 'precision' (" + p + "): the run directory is damaged");
        }
        Precision now = given.test("--precision") || given.test("--tf32") ? opt.precision() : stored;
        if (now != stored && (now.bf16Inputs() || stored.bf16Inputs())) {
            throw new UserError("--precision " + now.cliName() + " differs from " + stored.cliName() + " in " + dir.resolve("config.json")
                    + ": " + (now.bf16Inputs() ? now : stored).cliName() + " changes what a run computes, so a resumed run keeps "
                    + "its precision; drop --precision");
        }
        opt.precision = now.cliName();
        opt.tf32 = false;
    }

    /** Refuses runs that are complete or ended by divergence, before anything is touched. */
    static void checkResumable(Path dir, TrainOptions opt) {
        Path summary = dir.resolve("summary.json");
        if (Files.exists(summary)) {
            JsonObject s = readJson(summary);
            boolean diverged = s.has("diverged") && s.get("diverged").getAsBoolean();
            boolean interrupted = s.has("interrupted") && s.get("interrupted").getAsBoolean();
            if (diverged && !interrupted && !opt.continueOnDivergence) {
                throw new UserError("run " + dir + " stopped because it diverged at step " + s.get("diverged_step")
                        + ": resuming would repeat that; start a new run (e.g. lower --lr) or pass --continue-on-divergence");
            }
        }
        if (CheckpointDir.current(dir) == null) {
            throw new UserError("cannot resume " + dir + ": it has no " + Checkpoint.MODEL_FILE + " and "
                    + Checkpoint.STATE_FILE + " (the run stopped before its first checkpoint; --checkpoint-every N writes them "
                    + "during a run): start a new run with another --out, or delete " + dir);
        }
    }

    /**
     * Keeps only the metrics and events of steps up to {@code step}: after a hard kill the files
     * can run ahead of the last checkpoint, and the resumed run re-measures those steps.
     */
    static void trimRunFiles(Path dir, int step) {
        for (String name : List.of("metrics.jsonl", "events.jsonl")) {
            Path file = dir.resolve(name);
            if (!Files.exists(file)) continue;
            try {
                List<String> keep = new ArrayList<>();
                boolean cut = false;
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (line.isBlank()) continue;
                    int s = stepOf(line);
                    if (s >= 0 && s <= step) {
                        keep.add(line);
                    } else {
                        if (s < 0) log.warn("{} line {} is incomplete (a write was cut off): dropped", file, i + 1);
                        cut = true;
                    }
                }
                if (cut) {
                    AtomicFiles.writeString(file, keep.isEmpty() ? "" : String.join("\n", keep) + "\n");
                }
            } catch (IOException e) {
                throw new UserError("cannot prepare " + file + " for resuming: " + AtomicFiles.describe(e));
            }
        }
    }

    /**
     * Brings a fresh stability monitor to where it was after {@code step} by feeding it the
     * run's recorded losses and gradient norms again (its events are already in events.jsonl).
     * metrics.jsonl stores both exactly (shortest round-trip decimals, non-finite as strings).
     */
    static void replayStability(Path dir, int step, StabilityMonitor monitor) {
        Path file = dir.resolve("metrics.jsonl");
        int expected = 1;
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank() || expected > step) continue;
                JsonObject m = JsonParser.parseString(line).getAsJsonObject();
                int s = m.get("step").getAsInt();
                if (s != expected) break;
                monitor.observe(s, Json.toDouble(m.get("loss")), Json.toDouble(m.get("grad_norm")));
                expected++;
            }
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + AtomicFiles.describe(e));
        } catch (RuntimeException e) {
            throw new UserError(file + " has an unreadable line after step " + (expected - 1) + ": the run directory is damaged");
        }
        if (expected != step + 1) {
            throw new UserError(file + " lacks step " + expected + " of the " + step + " the checkpoint covers, "
                    + "so the spike detectors cannot be restored: the run directory is damaged");
        }
    }

    /** The step of a run-file line, or -1 for a line cut off mid-write (which is dropped). */
    private static int stepOf(String line) {
        try {
            return JsonParser.parseString(line).getAsJsonObject().get("step").getAsInt();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static JsonObject readJson(Path file) {
        if (!Files.exists(file)) {
            throw new UserError("cannot resume: " + file + " is missing, so " + file.getParent()
                    + " is not a complete run directory");
        }
        try {
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + AtomicFiles.describe(e));
        } catch (JsonParseException | IllegalStateException e) {
            throw new UserError(file + " is not a JSON object: the run directory is damaged");
        }
    }

    private static String longestName(Option o) {
        return Arrays.stream(o.names()).max(Comparator.comparingInt(String::length)).orElseThrow();
    }

    private static Object convert(JsonElement e, Class<?> type, boolean invert) {
        if (e.isJsonNull()) {
            if (type.isPrimitive()) throw new IllegalArgumentException("null");
            return null;
        }
        if (type == int.class || type == Integer.class) return e.getAsInt();
        if (type == long.class || type == Long.class) return e.getAsLong();
        if (type == double.class || type == Double.class) return Json.toDouble(e);
        if (type == boolean.class || type == Boolean.class) return invert != e.getAsBoolean();
        if (type == String.class) return e.getAsString();
        if (type == Path.class) return Path.of(e.getAsString());
        throw new IllegalArgumentException("unsupported option type " + type.getSimpleName().toLowerCase(Locale.ROOT));
    }

    private static boolean sameValue(Object a, Object b) {
        if (a instanceof Path && b instanceof Path) {
            return ((Path) a).toAbsolutePath().normalize().equals(((Path) b).toAbsolutePath().normalize());
        }
        if (a instanceof Double && b instanceof Double) return Double.compare((Double) a, (Double) b) == 0;
        return java.util.Objects.equals(a, b);
    }
}
