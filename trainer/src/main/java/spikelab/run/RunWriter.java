package spikelab.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.google.gson.JsonObject;

/**
 * The files of one run directory (DESIGN §4). config.json and summary.json are replaced
 * atomically; metrics.jsonl and events.jsonl are appended a whole line at a time, so an
 * interrupted run keeps every step it measured. A line that cannot be written whole (a full
 * disk) is cut back off, so the files never end in half a line.
 */
public final class RunWriter implements AutoCloseable {
    private final Path dir;
    private final FileChannel metrics, events;

    private RunWriter(Path dir, boolean append) throws IOException {
        this.dir = dir;
        metrics = open(dir.resolve("metrics.jsonl"), append);
        events = open(dir.resolve("events.jsonl"), append);
    }

    private static FileChannel open(Path file, boolean append) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (!append) ch.truncate(0);
        ch.position(ch.size());
        return ch;
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

    /**
     * Creates the directory of a new run (so that it can be locked) after {@link #checkUsable};
     * returns whether it had to be created.
     */
    public static boolean prepare(Path dir) {
        checkUsable(dir);
        try {
            if (Files.isDirectory(dir)) return false;
            Files.createDirectories(dir);
            return true;
        } catch (IOException e) {
            throw new UserError("cannot create the run directory " + dir + " (" + AtomicFiles.describe(e) + "): choose a writable --out");
        }
    }

    /** Deletes {@code dir} if it holds nothing but a run lock: a new run that failed before writing. */
    public static void removeIfUnused(Path dir) {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            if (s.allMatch(f -> f.getFileName().toString().equals(RunLock.FILE))) {
                Files.deleteIfExists(dir.resolve(RunLock.FILE));
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            // best effort: the directory stays, and a new run may still use it
        }
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

    /** Writes the line whole or not at all: on a failed or short write the file is cut back. */
    private void appendLine(FileChannel ch, String name, JsonObject line) {
        ByteBuffer buf = ByteBuffer.wrap((Json.GSON.toJson(line) + "\n").getBytes(StandardCharsets.UTF_8));
        long before = -1;
        try {
            before = ch.position();
            while (buf.hasRemaining()) ch.write(buf);
        } catch (IOException e) {
            if (before >= 0) {
                try {
                    ch.truncate(before);
                    ch.position(before);
                } catch (IOException ignored) {
                    // the half line stays; resuming drops it with a warning
                }
            }
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
