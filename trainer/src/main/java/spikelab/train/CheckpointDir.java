package spikelab.train;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import spikelab.run.UserError;
import spikelab.run.AtomicFiles;

/**
 * Where a run's checkpoint lives on disk, laid out so that a kill at any instant leaves one
 * complete, resumable checkpoint:
 *
 * <pre>
 *   RUN/checkpoint/step-000042/model.safetensors        written first, each fsynced
 *   RUN/checkpoint/step-000042/train_state.safetensors
 *   RUN/checkpoint/latest.json                           {"step": 42, "dir": "step-000042"}: the commit point
 *   RUN/model.safetensors, RUN/train_state.safetensors   hard links to the committed pair (copies where links fail)
 * </pre>
 *
 * A checkpoint counts once latest.json names it: that file is replaced by one atomic rename
 * after the pair and their directory are on disk. Only then are the top-level files re-linked
 * and the older step directory deleted. So a kill leaves either the old pointer (the old pair is
 * still there) or the new one (the new pair is complete). Resuming reads the pair latest.json
 * names; the top-level files are for users, generate and Python, and {@link #clean} brings them
 * back in line if a kill came between the commit and the re-link.
 */
final class CheckpointDir {
    private static final Logger log = LoggerFactory.getLogger(CheckpointDir.class);
    static final String SUBDIR = "checkpoint";
    static final String POINTER = "latest.json";

    private CheckpointDir() {}

    /** Writes the pair for {@code step} into a fresh directory; returns it (not yet committed). */
    interface PairWriter {
        void write(Path model, Path state);
    }

    /** Writes, commits and publishes the checkpoint of {@code step}. */
    static void save(Path run, int step, PairWriter writer) {
        Path root = run.resolve(SUBDIR);
        String name = String.format("step-%09d", step);
        Path stepDir = root.resolve(name);
        try {
            Files.createDirectories(stepDir);
            Path model = stepDir.resolve(Checkpoint.MODEL_FILE), state = stepDir.resolve(Checkpoint.STATE_FILE);
            writer.write(model, state);       // each file: temp, fsync, rename
            syncDir(stepDir);                 // the renames themselves reach the disk
            syncDir(root);
            JsonObject p = new JsonObject();
            p.addProperty("step", step);
            p.addProperty("dir", name);
            AtomicFiles.writeString(root.resolve(POINTER), p + "\n");   // the commit
            syncDir(root);
            publish(run, stepDir);
            deleteOthers(root, name);
        } catch (IOException e) {
            throw new UserError("cannot write the checkpoint in " + stepDir + ": " + AtomicFiles.describe(e)
                    + " (free some space or write somewhere else)");
        }
    }

    /**
     * The directory holding the committed pair, or the run directory itself for runs written
     * before checkpoints had their own directory; null when the run has no checkpoint.
     */
    static Path current(Path run) {
        Path pointer = run.resolve(SUBDIR).resolve(POINTER);
        if (!Files.exists(pointer)) {
            boolean legacy = Files.exists(run.resolve(Checkpoint.MODEL_FILE)) && Files.exists(run.resolve(Checkpoint.STATE_FILE));
            return legacy ? run : null;
        }
        try {
            JsonObject p = JsonParser.parseString(Files.readString(pointer, StandardCharsets.UTF_8)).getAsJsonObject();
            Path dir = run.resolve(SUBDIR).resolve(p.get("dir").getAsString());
            if (!dir.getParent().equals(run.resolve(SUBDIR))) throw new IllegalStateException("dir outside " + SUBDIR);
            return dir;
        } catch (IOException e) {
            throw new UserError("cannot read " + pointer + ": " + AtomicFiles.describe(e));
        } catch (RuntimeException e) {
            throw new UserError(pointer + " is unreadable (" + e.getMessage() + "): the run directory is damaged");
        }
    }

    /**
     * Removes what a killed run can leave behind: temp files of interrupted writes, step
     * directories that were never committed or are superseded, and top-level files that lag
     * behind the committed pair. Call with the run directory locked.
     */
    static void clean(Path run) {
        List<Path> removed = new ArrayList<>();
        try {
            removed.addAll(deleteTemps(run));
            Path root = run.resolve(SUBDIR);
            if (Files.isDirectory(root)) {
                removed.addAll(deleteTemps(root));
                Path cur = Files.exists(root.resolve(POINTER)) ? current(run) : null;
                for (Path d : list(root)) {
                    if (!Files.isDirectory(d)) continue;
                    if (cur != null && d.equals(cur)) {
                        removed.addAll(deleteTemps(d));
                    } else {
                        deleteTree(d);
                        removed.add(d);
                    }
                }
                if (cur != null && !samePair(run, cur)) publish(run, cur);
            }
        } catch (IOException e) {
            throw new UserError("cannot tidy " + run + " before training: " + AtomicFiles.describe(e));
        }
        if (!removed.isEmpty()) {
            log.info("removed what an interrupted checkpoint write left in {}: {}", run,
                    String.join(", ", removed.stream().map(p -> run.relativize(p).toString()).toList()));
        }
    }

    /** Points the run's top-level files at the pair in {@code stepDir}, each by one rename. */
    private static void publish(Path run, Path stepDir) throws IOException {
        for (String f : List.of(Checkpoint.STATE_FILE, Checkpoint.MODEL_FILE)) {
            Path src = stepDir.resolve(f), dst = run.resolve(f);
            Path tmp = run.resolve("." + f + ".link.tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createLink(tmp, src);
            } catch (UnsupportedOperationException | FileSystemException e) {
                Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING);   // no hard links here: a copy
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            try {
                Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dst, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        syncDir(run);
    }

    private static boolean samePair(Path run, Path cur) throws IOException {
        if (cur.equals(run)) return true;
        for (String f : List.of(Checkpoint.STATE_FILE, Checkpoint.MODEL_FILE)) {
            Path top = run.resolve(f);
            if (!Files.exists(cur.resolve(f))) return true;   // a damaged pair: resuming names it, publish nothing
            if (!Files.exists(top)) return false;
            if (Files.isSameFile(top, cur.resolve(f))) continue;
            if (Files.mismatch(top, cur.resolve(f)) != -1) return false;   // a copy (no hard links)
        }
        return true;
    }

    private static void deleteOthers(Path root, String keep) throws IOException {
        for (Path d : list(root)) {
            if (Files.isDirectory(d) && !d.getFileName().toString().equals(keep)) deleteTree(d);
        }
    }

    private static List<Path> deleteTemps(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path f : list(dir)) {
            String n = f.getFileName().toString();
            if (Files.isRegularFile(f) && n.startsWith(".") && n.endsWith(".tmp")) {
                Files.deleteIfExists(f);
                out.add(f);
            }
        }
        return out;
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) out.add(p);
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static void deleteTree(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** fsync of a directory, so that renames in it survive a power cut (a no-op where unsupported). */
    static void syncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some platforms cannot open a directory; the rename is still atomic there
        }
    }
}
