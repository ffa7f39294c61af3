package spikelab.run;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.google.gson.JsonObject;
import spikelab.cli.UserError;

/**
 * The files of one run directory (DESIGN §4). config.json and summary.json are replaced
 * atomically; metrics.jsonl and events.jsonl are appended a whole line at a time and flushed,
 * so an interrupted run keeps every step it measured.
 */
public final class RunWriter implements AutoCloseable {
    private final Path dir;
    private final BufferedWriter metrics, events;

    private RunWriter(Path dir, boolean append) throws IOException {
        this.dir = dir;
        StandardOpenOption mode = append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        metrics = Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
        events = Files.newBufferedWriter(dir.resolve("events.jsonl"), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
    }

    /**
     * Checks that {@code dir} can hold a new run without touching anything: it must not already
     * hold one, and its nearest existing ancestor must be a writable directory.
     */
    public static void checkUsable(Path dir) {
        Path d = dir.toAbsolutePath();
        if (Files.exists(d)) {
            if (!Files.isDirectory(d)) throw new UserError("--out " + dir + " is a file, not a directory: choose another --out");
            if (Files.exists(d.resolve("metrics.jsonl")) || Files.exists(d.resolve("summary.json"))) {
                throw new UserError("--out " + dir + " already holds a run: choose another --out, or resume it with --resume " + dir);
            }
        }
        Path p = d;
        while (p != null && !Files.exists(p)) p = p.getParent();
        String why = p == null ? "no existing parent"
                : !Files.isDirectory(p) ? p + " is not a directory"
                : !Files.isWritable(p) ? p + " is not writable" : null;
        if (why != null) throw new UserError("cannot write the run directory " + dir + " (" + why + "): choose a writable --out");
    }

    /** Creates the directory and starts fresh metrics and events files. */
    public static RunWriter create(Path dir) {
        checkUsable(dir);
        try {
            Files.createDirectories(dir);
            return new RunWriter(dir, false);
        } catch (IOException e) {
            throw new UserError("cannot create the run directory " + dir + " (" + AtomicFiles.describe(e) + "): choose a writable --out");
        }
    }

    /** Opens an existing run to continue it. */
    public static RunWriter append(Path dir) {
        try {
            return new RunWriter(dir, true);
        } catch (IOException e) {
            throw new UserError("cannot append to the run in " + dir + " (" + AtomicFiles.describe(e) + ")");
        }
    }

    public Path dir() { return dir; }

    public void writeConfig(JsonObject config) { writeJson("config.json", config); }

    public void writeSummary(JsonObject summary) { writeJson("summary.json", summary); }

    public void writeJson(String name, JsonObject o) {
        try {
            AtomicFiles.writeString(dir.resolve(name), Json.PRETTY.toJson(o) + "\n");
        } catch (IOException e) {
            throw new UserError("cannot write " + dir.resolve(name) + ": " + AtomicFiles.describe(e));
        }
    }

    public void metric(JsonObject line) { appendLine(metrics, "metrics.jsonl", line); }

    public void event(JsonObject line) { appendLine(events, "events.jsonl", line); }

    private void appendLine(BufferedWriter w, String name, JsonObject line) {
        try {
            w.write(Json.GSON.toJson(line));
            w.write('\n');
            w.flush();
        } catch (IOException e) {
            throw new UserError("cannot write " + dir.resolve(name) + ": " + AtomicFiles.describe(e));
        }
    }

    @Override
    public void close() {
        try {
            metrics.close();
        } catch (IOException ignored) {
            // closing after a failed write: the write already reported it
        }
        try {
            events.close();
        } catch (IOException ignored) {
            // as above
        }
    }
}
