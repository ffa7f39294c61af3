package spikelab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import spikelab.cli.Main;
import spikelab.run.Json;

/** End-to-end runs of {@code spikelab train} on tiny models. */
class TrainingTest {
    @TempDir
    Path tmp;

    private static final List<String> TINY = List.of("train", "--data", "synthetic", "--device", "cpu", "--layers", "2", "--d-model", "32",
            "--heads", "2", "--context", "32", "--batch", "8", "--eval-every", "20", "--eval-batches", "4",
            "--probe-every", "20", "--no-progress", "--log-every", "1000");

    private JsonObject train(Path out, String... extra) throws IOException {
        List<String> args = new java.util.ArrayList<>(TINY);
        args.addAll(List.of(extra));
        args.addAll(List.of("--out", out.toString()));
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args.toArray(new String[0]));
        assertEquals(0, status, err.toString());
        return JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
    }

    private static List<Double> losses(Path run) throws IOException {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .map(l -> Json.toDouble(JsonParser.parseString(l).getAsJsonObject().get("loss")))
                .collect(Collectors.toList());
    }

    @Test
    void builtinCorpusLossFallsAndRunFilesAreComplete() throws IOException {
        Path run = tmp.resolve("run");
        JsonObject s = train(run, "--steps", "80", "--lr", "3e-3", "--warmup", "10", "--seed", "5");
        double init = s.get("val_loss_at_init").getAsDouble();
        double fin = s.get("final_val_loss").getAsDouble();
        assertTrue(fin < init - 0.5, "validation loss should fall by > 0.5 nats: " + init + " -> " + fin);
        assertEquals(80, s.get("steps_completed").getAsInt());
        assertTrue(Files.exists(run.resolve("config.json")));
        assertTrue(Files.exists(run.resolve("events.jsonl")));
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(80, lines.size());
        JsonObject last = JsonParser.parseString(lines.get(79)).getAsJsonObject();
        for (String k : List.of("step", "loss", "lr", "grad_norm", "clipped", "update_ratio", "layer_grad_norms",
                "max_attn_logit", "logz_mean", "loss_spike", "grad_spike", "explosion", "tokens_per_s", "val_loss",
                "dead_fraction", "ffn_outlier_ratio", "elapsed_s")) {
            assertTrue(last.has(k), "metrics line lacks " + k);
        }
        // the probe's FFN output: its largest value lies between the RMS and all of it, √(rows·h)
        double sqrtH = Math.sqrt(8 * 32 * 4 * 32);   // TINY: batch 8, context 32, d_model 32, GELU (h = 128)
        for (var r : last.getAsJsonArray("ffn_outlier_ratio")) {
            assertTrue(r.getAsDouble() >= 1 && r.getAsDouble() <= sqrtH, "outlier ratio " + r);
        }
        double max = s.get("max_ffn_outlier_ratio").getAsDouble();
        assertTrue(max >= 1 && max <= sqrtH, "summary's max outlier ratio " + max);
        assertEquals(2, s.getAsJsonArray("ffn_outlier_ratio_per_layer").size());
        assertEquals(2, last.getAsJsonArray("layer_grad_norms").size());
        assertTrue(last.get("update_ratio").getAsDouble() > 0);
    }

    @Test
    void sameSeedSameLossesWhateverTheThreadCount() throws IOException {
        Path a = tmp.resolve("a"), b = tmp.resolve("b"), c = tmp.resolve("c");
        train(a, "--steps", "6", "--threads", "1", "--seed", "9");
        train(b, "--steps", "6", "--threads", "2", "--seed", "9");
        train(c, "--steps", "6", "--threads", "3", "--seed", "9");
        List<Double> la = losses(a);
        assertEquals(la, losses(b), "1 vs 2 threads");
        assertEquals(la, losses(c), "1 vs 3 threads");
        Path d = tmp.resolve("d");
        train(d, "--steps", "6", "--threads", "2", "--seed", "10");
        assertTrue(!la.equals(losses(d)), "a different seed should change the run");
    }

    @Test
    void bf16RunRecordsItsPrecisionDiffersFromFp32AndResumesOnlyAsBf16() throws IOException {
        Path fp = tmp.resolve("fp32"), bf = tmp.resolve("bf16");
        train(fp, "--steps", "8", "--seed", "4");
        train(bf, "--steps", "8", "--seed", "4", "--precision", "bf16", "--stop-after", "5");
        JsonObject cfg = JsonParser.parseString(Files.readString(bf.resolve("config.json"))).getAsJsonObject();
        assertEquals("bf16", cfg.get("precision").getAsString());
        assertEquals("fp32", JsonParser.parseString(Files.readString(fp.resolve("config.json"))).getAsJsonObject()
                .get("precision").getAsString());
        // resuming may not change what the run computes
        StringWriter err = new StringWriter();
        int rc = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "train", "--resume", bf.toString(),
                "--precision", "fp32", "--no-progress");
        assertEquals(2, rc);
        assertTrue(err.toString().contains("--precision fp32 differs from bf16"), err.toString());
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), "train", "--resume",
                bf.toString(), "--no-progress", "--log-every", "1000"));
        List<Double> a = losses(fp), b = losses(bf);
        assertEquals(8, b.size());
        assertEquals(a.get(0), b.get(0), 0.01, "same initial model");
        long differing = java.util.stream.IntStream.range(0, 8).filter(i -> !a.get(i).equals(b.get(i))).count();
        assertTrue(differing >= 6, "bf16 products change the per-step losses: " + a + " vs " + b);
    }

    @Test
    void tinyShakespeareLossFalls() throws IOException {
        Path shared = Path.of(System.getProperty("spikelab.shared", "../shared"), "data", "tinyshakespeare.txt");
        String reason = shared + " is absent (needs ../shared beside the checkout)";
        if (!Files.isRegularFile(shared)) System.out.println("[test skipped] " + reason);
        Assumptions.assumeTrue(Files.isRegularFile(shared), reason);
        Path run = tmp.resolve("shakespeare");
        JsonObject s = train(run, "--data", shared.toString(), "--steps", "60", "--lr", "3e-3", "--warmup", "5");
        assertTrue(s.get("final_val_loss").getAsDouble() < s.get("val_loss_at_init").getAsDouble() - 0.8,
                "tinyshakespeare val loss should fall: " + s);
    }
}
