package spikelab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import spikelab.backend.cpu.CpuBackend;
import spikelab.cli.Main;
import spikelab.run.UserError;
import spikelab.io.SafeTensors;
import spikelab.io.SafeTensorsWriter;
import spikelab.model.Activation;
import spikelab.model.ModelConfig;
import spikelab.model.Norm;
import spikelab.model.Transformer;

/**
 * Issue 10 items 1-3 through the CLI and checkpoints: {@code --qk-norm} trains and resumes,
 * {@code --ffn-hidden} is validated and recorded, and checkpoints of older layouts either load
 * (their stored FFN width, no qk_norm key) or fail with one line (post-LN with ln_f).
 */
class ModelOptionsTest {
    @TempDir
    Path tmp;

    private static final List<String> TINY = List.of("train", "--device", "cpu", "--layers", "2", "--d-model", "32",
            "--heads", "2", "--context", "16", "--batch", "4", "--eval-every", "100", "--eval-batches", "2",
            "--probe-every", "100", "--warmup", "2", "--lr", "3e-3", "--no-progress", "--log-every", "1000", "--seed", "5");

    private static Object[] cli(String... extra) {
        List<String> args = new ArrayList<>(TINY);
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args.toArray(new String[0]));
        return new Object[] {status, err.toString().trim()};
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    @Test
    void qkNormTrainsOnTheCpuAndResumes() throws IOException {
        Path run = tmp.resolve("qk");
        Object[] r = cli("--qk-norm", "--activation", "swiglu", "--steps", "12", "--stop-after", "6", "--out", run.toString());
        assertEquals(0, r[0], (String) r[1]);
        JsonObject config = json(run.resolve("config.json"));
        assertTrue(config.get("qk_norm").getAsBoolean());
        assertEquals("auto", config.get("ffn_hidden").getAsString());
        assertEquals(85, config.get("hidden").getAsInt(), "round(8·32/3)");
        ModelConfig expected = ModelConfig.builder().vocabSize(config.get("vocab_size").getAsInt()).dModel(32).heads(2)
                .layers(2).context(16).activation(Activation.SWIGLU).qkNorm(true).build();
        assertEquals(expected.parameterCount(), json(run.resolve("summary.json")).get("parameter_count").getAsLong());
        try (SafeTensors st = SafeTensors.open(run.resolve(Checkpoint.MODEL_FILE))) {
            assertArrayEquals(new long[] {16}, st.info("layers.1.attn.k_norm.weight").shape());
            assertTrue(Checkpoint.meta(st).config().qkNorm());
            float[] w = st.floats("layers.0.attn.q_norm.weight");
            boolean moved = false;
            for (float x : w) moved |= x != 1f;
            assertTrue(moved, "the q-norm weight (init 1) should have trained");
        }

        r = cli("--resume", run.toString());   // config.json brings --qk-norm back
        assertEquals(0, r[0], (String) r[1]);
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(12, metrics.size());
        double first = JsonParser.parseString(metrics.get(0)).getAsJsonObject().get("loss").getAsDouble();
        double last = JsonParser.parseString(metrics.get(11)).getAsJsonObject().get("loss").getAsDouble();
        assertTrue(last < first - 0.2, "loss should fall with --qk-norm: " + first + " -> " + last);
    }

    @Test
    void ffnHiddenSetsTheWidthAndBadValuesAreOneLine() throws IOException {
        Path run = tmp.resolve("h40");
        Object[] r = cli("--ffn-hidden", "40", "--activation", "reglu", "--steps", "2", "--out", run.toString());
        assertEquals(0, r[0], (String) r[1]);
        assertEquals("40", json(run.resolve("config.json")).get("ffn_hidden").getAsString());
        assertEquals(40, json(run.resolve("config.json")).get("hidden").getAsInt());
        try (SafeTensors st = SafeTensors.open(run.resolve(Checkpoint.MODEL_FILE))) {
            assertArrayEquals(new long[] {80, 32}, st.info("layers.0.ffn.w_in").shape());
        }
        for (String bad : new String[] {"0", "-4", "wide", "1.5"}) {
            Path out = tmp.resolve("bad" + bad);
            r = cli("--ffn-hidden", bad, "--steps", "2", "--out", out.toString());
            assertEquals(2, r[0], (String) r[1]);
            assertEquals("error: --ffn-hidden must be auto or a positive integer, got '" + bad + "': use e.g. --ffn-hidden auto",
                    r[1]);
            assertFalse(Files.exists(out));
        }
    }

    /** Writes a model's checkpoint, then rewrites it with edited metadata and extra tensors. */
    private Path rewrite(Transformer model, String name, java.util.function.Consumer<JsonObject> editConfig,
                         String... extraVectors) throws IOException {
        Path plain = tmp.resolve(name + "-plain"), file = tmp.resolve(name);
        Checkpoint.saveModel(plain, model, "byte", 3);
        try (SafeTensors st = SafeTensors.open(plain)) {
            SafeTensorsWriter w = new SafeTensorsWriter();
            st.metadata().forEach((k, v) -> {
                if (k.equals(Checkpoint.KEY_CONFIG)) {
                    JsonObject o = JsonParser.parseString(v).getAsJsonObject();
                    editConfig.accept(o);
                    v = o.toString();
                }
                w.metadata(k, v);
            });
            for (SafeTensors.Info i : st.tensors()) w.addF32(i.name(), st.floats(i.name()), i.shape());
            int c = model.config().dModel();
            for (String extra : extraVectors) w.addF32(extra, new float[c], new long[] {c});
            w.write(file);
        }
        return file;
    }

    @Test
    void olderCheckpointsLoadWithTheirStoredWidthAndWithoutQkNorm() throws IOException {
        // a gated model at the old width (⌈8C/3⌉ padded to 32 = 96 for C = 32), written before qk_norm existed
        ModelConfig old = ModelConfig.builder().vocabSize(256).dModel(32).heads(2).layers(1).context(8)
                .activation(Activation.GEGLU).ffnHidden(96).build();
        try (CpuBackend be = new CpuBackend(1)) {
            Transformer written = new Transformer(be, old, 1, 11);
            Path file = rewrite(written, "old.safetensors", o -> o.remove("qk_norm"));
            try (SafeTensors st = SafeTensors.open(file)) {
                ModelConfig read = Checkpoint.meta(st).config();
                assertFalse(read.qkNorm());
                assertEquals(96, read.hidden());
                Transformer loaded = new Transformer(be, read, 1, 99);
                Checkpoint.loadWeights(st, loaded);
                float[] a = new float[Math.toIntExact(written.params().size())], b = new float[a.length];
                be.download(written.params(), a);
                be.download(loaded.params(), b);
                assertArrayEquals(a, b);

                // a model built with today's auto width is told how to match the file
                Transformer auto = new Transformer(be, old.toBuilder().ffnHidden(0).build(), 1, 1);
                UserError e = assertThrows(UserError.class, () -> Checkpoint.loadWeights(st, auto));
                assertEquals("checkpoint " + st.label() + " has FFN hidden width 96 but this model has 85: "
                        + "pass --ffn-hidden 96 to use it", e.getMessage());
                Transformer qk = new Transformer(be, read.toBuilder().qkNorm(true).build(), 1, 1);
                e = assertThrows(UserError.class, () -> Checkpoint.loadWeights(st, qk));
                assertEquals("checkpoint " + st.label() + " was made with --qk-norm false but this model has --qk-norm true: "
                        + "use the checkpoint of the same configuration", e.getMessage());
            }
        }
    }

    @Test
    void oldPostLnCheckpointWithFinalNormFailsWithOneLine() throws IOException {
        ModelConfig post = ModelConfig.builder().vocabSize(256).dModel(32).heads(2).layers(1).context(8).norm(Norm.POST).build();
        Path file;
        try (CpuBackend be = new CpuBackend(1)) {
            file = rewrite(new Transformer(be, post, 1, 2), "post.safetensors", o -> o.remove("qk_norm"),
                    "ln_f.weight", "ln_f.bias");
        }
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "generate", "--checkpoint",
                file.toString(), "--prompt", "a", "--tokens", "3", "--device", "cpu");
        String message = err.toString().trim();
        assertEquals(2, status, message);
        assertEquals("error: " + file + " is a post-LN model from before post-LN dropped its final LayerNorm (it holds "
                + "ln_f): this version cannot run it, retrain it (or use the spikelab version that wrote it)", message);
    }
}
