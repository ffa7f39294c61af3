package spikelab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import spikelab.cli.SweepGrid.Cell;
import spikelab.model.Activation;
import spikelab.report.RunData;
import spikelab.run.AtomicFiles;
import spikelab.run.Json;
import spikelab.run.RunLock;
import spikelab.train.Checkpoint;
import spikelab.run.UserError;

/**
 * A sweep cell's directory between runs: whether it holds a finished run of the settings the
 * sweep asks for (then the cell is skipped), and clearing an unfinished one to train it again.
 */
final class CellDirs {
    private static final Logger log = LoggerFactory.getLogger(CellDirs.class);

    private CellDirs() {}

    /**
     * Config keys not compared with a finished cell's config.json: the cell's own coordinates
     * (they are its name), and where or how fast it ran.
     */
    private static final List<String> NOT_COMPARED = List.of("activation", "layers", "seed", "lr", "device", "threads", "name");

    /** What train would write into config.json for this cell: the probe's, with the cell's own qk-norm and z-loss. */
    private static JsonObject wantedFor(Cell c, JsonObject wanted) {
        JsonObject w = wanted.deepCopy();
        if (w.has("qk_norm")) w.addProperty("qk_norm", c.qkNorm);
        if (w.has("z_loss")) Json.put(w, "z_loss", c.zLoss);
        if (w.has("precision")) w.addProperty("precision", c.precision.cliName());
        return w;
    }

    /**
     * Finished: summary.json says all planned steps ran, or the run diverged. A finished cell run
     * with other settings than this sweep asks for is an error rather than silently mixed in.
     */
    static boolean finished(Path dir, Cell c, JsonObject wanted) {
        if (!Files.exists(dir.resolve("summary.json"))) return false;
        RunData r;
        try {
            r = RunData.load(dir);
        } catch (IllegalArgumentException e) {
            log.warn("{}: {}; running it again", c.name(), e.getMessage());
            return false;
        }
        if (!r.finished()) return false;
        wanted = wantedFor(c, wanted);
        JsonObject had = readConfig(dir);
        for (String key : wanted.keySet()) {
            if (NOT_COMPARED.contains(key) || had == null || !had.has(key)) continue;
            JsonElement a = had.get(key), b = wanted.get(key);
            boolean same = a.equals(b) || (a.isJsonPrimitive() && b.isJsonPrimitive() && a.getAsJsonPrimitive().isNumber()
                    && b.getAsJsonPrimitive().isNumber() && a.getAsDouble() == b.getAsDouble());
            if (!same) {
                throw new UserError(dir + " was run with " + key + " " + a + " but this sweep asks for " + b
                        + ": use another --out, or delete that directory to rerun the cell");
            }
        }
        // runs from before --ffn-hidden auto used a wider gated FFN and have no ffn_hidden key: their
        // stored width tells them apart from the parameter-matched cell this sweep would train
        if (had != null && had.has("hidden") && wanted.has("d_model")) {
            int want = hiddenWidth(c.activation, wanted.get("d_model").getAsInt(),
                    wanted.has("ffn_hidden") ? wanted.get("ffn_hidden").getAsString() : "auto");
            if (had.get("hidden").getAsInt() != want) {
                throw new UserError(dir + " was run with FFN hidden width " + had.get("hidden") + " but this sweep's cell has "
                        + want + " (--ffn-hidden auto matches parameters since 2026-12): use another --out, or delete that "
                        + "directory to rerun the cell");
            }
        }
        return true;
    }

    private static int hiddenWidth(String activation, int dModel, String ffnHidden) {
        return "auto".equals(ffnHidden) ? Activation.parse(activation).hiddenWidth(dModel) : Integer.parseInt(ffnHidden);
    }

    private static JsonObject readConfig(Path dir) {
        try {
            return JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            return null;   // summary.json alone is enough to call the cell finished
        }
    }

    /**
     * What a sweep would do with the cell now, for --dry-run: "finished", "running now (pid ...)",
     * "resumes from its checkpoint", "unfinished without a checkpoint: trains again", "to run",
     * or why it cannot (a finished run with other settings).
     */
    static String state(Path dir, Cell c, JsonObject wanted) {
        if (!Files.isDirectory(dir)) return "to run";
        String holder = RunLock.holder(dir);
        if (holder != null) return "running now (" + holder + ")";
        try {
            if (finished(dir, c, wanted)) return "finished";
        } catch (UserError e) {
            return "in the way: " + e.getMessage();
        }
        if (Files.exists(dir.resolve(Checkpoint.MODEL_FILE)) && Files.exists(dir.resolve(Checkpoint.STATE_FILE))) {
            return "resumes from its checkpoint";
        }
        return Files.exists(dir.resolve("config.json")) ? "unfinished without a checkpoint: trains again" : "to run";
    }

    /** An unfinished cell (killed, or interrupted) is trained again from scratch, so its files go first. */
    static void clearUnfinished(Path dir) {
        if (!Files.exists(dir)) return;
        // a run killed as it started (a JVM crash while loading the GPU's libraries, say) leaves
        // only its lock file: that too is an unfinished run, not someone else's directory
        boolean looksLikeRun = Files.exists(dir.resolve("config.json")) || Files.exists(dir.resolve("metrics.jsonl"))
                || Files.exists(dir.resolve(RunLock.FILE));
        try (Stream<Path> s = Files.list(dir)) {
            if (!looksLikeRun && s.findAny().isPresent()) {
                throw new UserError(dir + " exists but is not a spikelab run: move it away or choose another --out");
            }
        } catch (IOException e) {
            throw new UserError("cannot read " + dir + " (" + AtomicFiles.describe(e) + ")");
        }
        log.info("{}: removing the unfinished run there to train it again", dir);
        // under the run's lock, so a run still alive in another process is reported, not deleted
        try (RunLock held = RunLock.acquire(dir); Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        } catch (IOException e) {
            throw new UserError("cannot remove the unfinished run " + dir + " (" + AtomicFiles.describe(e) + "): delete it by hand");
        }
    }
}
