package spikelab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import spikelab.backend.cpu.CpuBackend;
import spikelab.cli.Main;
import spikelab.io.SafeTensors;
import spikelab.io.SafeTensorsWriter;
import spikelab.model.ModelConfig;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;

/** Checkpoints through {@code spikelab train}: exact resume, and every broken file named. */
class CheckpointTest {
    @TempDir
    Path tmp;

    // A window of 3 makes the spike detectors active within a dozen steps, so their restored state matters.
    private static final List<String> TINY = List.of("train", "--data", "synthetic", "--device", "cpu", "--layers", "2", "--d-model", "32",
            "--heads", "2", "--context", "16", "--batch", "4", "--eval-every", "4", "--eval-batches", "2",
            "--probe-every", "4", "--spike-window", "3", "--spike-threshold", "1", "--warmup", "3",
            "--lr", "3e-3", "--no-progress", "--log-every", "1000", "--seed", "7");

    /** Runs the CLI; returns exit status and stderr. */
    private static Object[] cli(List<String> base, String... extra) {
        List<String> args = new ArrayList<>(base);
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args.toArray(new String[0]));
        return new Object[] {status, err.toString().trim()};
    }

    private static void ok(List<String> base, String... extra) {
        Object[] r = cli(base, extra);
        assertEquals(0, r[0], (String) r[1]);
    }

    private static String fails(List<String> base, String... extra) {
        Object[] r = cli(base, extra);
        assertEquals(2, r[0], "expected a user error, got: " + r[1]);
        return (String) r[1];
    }

    private static List<JsonObject> lines(Path file) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) out.add(JsonParser.parseString(l).getAsJsonObject());
        return out;
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    private static final Set<String> TIMING = Set.of("tokens_per_s", "elapsed_s", "wall_time_s");

    /** Equal except for wall-clock fields and keys the interrupted side measured in addition. */
    private static void assertSameMeasurements(JsonObject whole, JsonObject pieced, String where) {
        for (String k : whole.keySet()) {
            if (TIMING.contains(k)) continue;
            JsonElement a = whole.get(k), b = pieced.get(k);
            assertEquals(a, b, where + ": " + k);
        }
    }

    @Test
    void stoppedAndResumedRunEqualsTheUninterruptedOne() throws IOException {
        Path whole = tmp.resolve("whole"), pieced = tmp.resolve("pieced");
        ok(TINY, "--steps", "12", "--threads", "2", "--out", whole.toString());
        ok(TINY, "--steps", "12", "--threads", "1", "--stop-after", "5", "--checkpoint-every", "2", "--out", pieced.toString());

        JsonObject stopped = json(pieced.resolve("summary.json"));
        assertTrue(stopped.get("interrupted").getAsBoolean());
        assertEquals(5, stopped.get("steps_completed").getAsInt());
        try (SafeTensors st = SafeTensors.open(pieced.resolve(Checkpoint.MODEL_FILE))) {
            assertEquals(5, Checkpoint.meta(st).step(), "the stop step is checkpointed, not only every 2nd");
        }
        // The stopped run reports its step-5 evaluation, but its checkpoint keeps the summary of the
        // scheduled evaluations only (step 4), or the resumed run's best_val_loss would keep step 5's.
        double val4 = lines(whole.resolve("metrics.jsonl")).get(3).get("val_loss").getAsDouble();
        double val5 = stopped.get("final_val_loss").getAsDouble();
        assertTrue(val5 < val4, "the stop step's evaluation is the best so far (" + val5 + " vs " + val4 + "), so keeping it would show");
        assertEquals(val5, stopped.get("best_val_loss").getAsDouble());
        try (SafeTensors st = SafeTensors.open(pieced.resolve(Checkpoint.STATE_FILE))) {
            JsonObject loop = JsonParser.parseString(st.metadata().get(Checkpoint.KEY_LOOP)).getAsJsonObject();
            assertEquals(val4, loop.getAsJsonObject("summary").get("best_val").getAsDouble());
        }
        // What a hard kill after step 5 leaves: a measured step 6 and a half-written line.
        Files.writeString(pieced.resolve("metrics.jsonl"), "{\"step\":6,\"loss\":9}\n{\"step\":7,\"lo",
                StandardOpenOption.APPEND);

        ok(List.of("train", "--resume", pieced.toString(), "--threads", "2", "--no-progress"));

        List<JsonObject> a = lines(whole.resolve("metrics.jsonl")), b = lines(pieced.resolve("metrics.jsonl"));
        assertEquals(12, a.size());
        assertEquals(12, b.size(), "the resumed run continues the file, without the killed steps");
        for (int i = 0; i < 12; i++) assertSameMeasurements(a.get(i), b.get(i), "step " + (i + 1));
        assertEquals(Files.readString(whole.resolve("events.jsonl")), Files.readString(pieced.resolve("events.jsonl")));
        assertTrue(Files.size(whole.resolve("events.jsonl")) > 0, "spike detectors fired, so their restored windows were tested");

        JsonObject sa = json(whole.resolve("summary.json")), sb = json(pieced.resolve("summary.json"));
        sa.remove("name");
        sb.remove("name");
        assertSameMeasurements(sa, sb, "summary");
        assertFalse(sb.get("interrupted").getAsBoolean());
        assertArrayEquals(Files.readAllBytes(whole.resolve(Checkpoint.MODEL_FILE)),
                Files.readAllBytes(pieced.resolve(Checkpoint.MODEL_FILE)), "final weights bit-identical");
        try (SafeTensors x = SafeTensors.open(whole.resolve(Checkpoint.STATE_FILE));
             SafeTensors y = SafeTensors.open(pieced.resolve(Checkpoint.STATE_FILE))) {
            for (SafeTensors.Info i : x.tensors()) {
                if (i.name().startsWith("optim.m.") || i.name().startsWith("optim.v.")) {
                    assertArrayEquals(x.floats(i.name()), y.floats(i.name()), i.name());
                }
            }
            assertArrayEquals(x.longs("sampler.rng"), y.longs("sampler.rng"));
        }

        assertEquals("error: run " + pieced + " is already complete (step 12 of 12): nothing to resume",
                fails(List.of("train", "--resume", pieced.toString())));
    }

    private static void deleteTree(Path d) throws IOException {
        try (var s = Files.walk(d)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private Path stoppedRun(String name, String... extra) {
        Path run = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("--steps", "6", "--stop-after", "2", "--out", run.toString()));
        args.addAll(List.of(extra));
        ok(TINY, args.toArray(new String[0]));
        return run;
    }

    @Test
    void brokenCheckpointsAreNamedAndLeaveTheRunUntouched() throws IOException {
        Path run = stoppedRun("run");
        Path pair = CheckpointDir.current(run);
        assertEquals(run.resolve("checkpoint").resolve("step-000000002"), pair, "the committed pair's directory");
        Path model = pair.resolve(Checkpoint.MODEL_FILE), state = pair.resolve(Checkpoint.STATE_FILE);
        byte[] good = Files.readAllBytes(model);
        String metrics = Files.readString(run.resolve("metrics.jsonl"));
        List<String> resume = List.of("train", "--resume", run.toString());

        Files.write(model, java.util.Arrays.copyOf(good, good.length - 10));
        String truncated = fails(resume);
        assertTrue(truncated.startsWith("error: unreadable checkpoint: " + model + ": tensor 'ln_f.bias' data_offsets ["), truncated);
        assertTrue(truncated.endsWith("the file is truncated"), truncated);

        Files.writeString(model, "not a checkpoint at all");
        assertEquals("error: unreadable checkpoint: " + model + ": header length 7521891404167278446 is over the "
                + "104857600-byte limit: corrupt or not a safetensors file", fails(resume));

        // Same step and data, another activation: named as the option that differs.
        Path relu = stoppedRun("relu", "--activation", "relu");
        Files.copy(relu.resolve(Checkpoint.MODEL_FILE), model, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals("error: checkpoint " + model + " was made with --activation relu but this model has "
                + "--activation gelu: use the checkpoint of the same configuration", fails(resume));

        // Right metadata, a tensor of the wrong shape.
        Files.write(model, good);
        try (SafeTensors st = SafeTensors.open(model)) {
            SafeTensorsWriter w = new SafeTensorsWriter();
            st.metadata().forEach(w::metadata);
            for (SafeTensors.Info i : st.tensors()) {
                long[] shape = i.name().equals("layers.1.ffn.w_in") ? new long[] {i.shape()[1], i.shape()[0]} : i.shape();
                w.addF32(i.name(), st.floats(i.name()), shape);
            }
            w.write(tmp.resolve("reshaped"));
        }
        Files.move(tmp.resolve("reshaped"), model, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals("error: tensor 'layers.1.ffn.w_in' in " + model + " has shape [32, 128], expected [128, 32]", fails(resume));

        // The two files of different steps: a write cut off between them.
        Files.write(model, good);
        Path later = stoppedRun("later", "--stop-after", "3");
        Files.copy(later.resolve(Checkpoint.STATE_FILE), state, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals("error: cannot resume " + run + ": model.safetensors is at step 2 but train_state.safetensors at step 3 "
                + "(a checkpoint write was cut off): start a new run", fails(resume));

        Files.delete(state);
        assertEquals("error: cannot resume: " + state + " is missing (the run wrote no checkpoint, or it was deleted): start a new run",
                fails(resume));
        deleteTree(run.resolve("checkpoint"));
        Files.delete(run.resolve(Checkpoint.STATE_FILE));
        assertEquals("error: cannot resume " + run + ": it has no model.safetensors and train_state.safetensors "
                + "(the run stopped before its first checkpoint; --checkpoint-every N writes them during a run): "
                + "start a new run with another --out, or delete " + run, fails(resume));

        assertEquals(metrics, Files.readString(run.resolve("metrics.jsonl")), "failed resumes leave the run files alone");
        assertEquals("error: --lr 0.1 differs from 0.003 in " + run.resolve("config.json")
                + ": a resumed run keeps its configuration, drop --lr", fails(resume, "--lr", "0.1"));
    }

    @Test
    void nonFiniteStateNeverReplacesTheLastFiniteCheckpoint() throws IOException {
        ModelConfig cfg = ModelConfig.builder().vocabSize(11).dModel(16).heads(2).layers(1).context(8).build();
        try (CpuBackend be = new CpuBackend(1)) {
            Transformer model = new Transformer(be, cfg, 1, 3);
            AdamW adam = new AdamW(model, 0.9f, 0.95f, 1e-8f, 0.1f);
            Checkpointing ck = new Checkpointing(new TrainOptions(), tmp, model, adam, "byte");
            ck.save(4, new long[] {1, 2, 3, 4}, new JsonObject());
            byte[] finite = Files.readAllBytes(tmp.resolve(Checkpoint.MODEL_FILE));
            be.fill(model.params().slice(5, 1), Float.NaN);
            ck.save(5, new long[] {1, 2, 3, 4}, new JsonObject());
            assertArrayEquals(finite, Files.readAllBytes(tmp.resolve(Checkpoint.MODEL_FILE)));
            try (SafeTensors st = SafeTensors.open(tmp.resolve(Checkpoint.STATE_FILE))) {
                assertEquals("4", st.metadata().get("spikelab.step"));
            }
        }
    }
}
