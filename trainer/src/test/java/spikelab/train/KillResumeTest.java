package spikelab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import spikelab.cli.Main;

/**
 * SIGKILL at random instants of a run that checkpoints every step (so most kills land in or
 * near a checkpoint write), resumed every time: the pieced run equals the uninterrupted one and
 * leaves no temporaries. scripts/kill-resume.sh does the same 20+ times through the launcher.
 */
class KillResumeTest {
    @TempDir
    Path tmp;

    private static final List<String> RUN = List.of("train", "--device", "cpu", "--threads", "1", "--layers", "2",
            "--d-model", "32", "--heads", "2", "--context", "16", "--batch", "4", "--steps", "40", "--eval-every", "10",
            "--eval-batches", "1", "--probe-every", "10", "--spike-window", "5", "--warmup", "5", "--lr", "3e-3",
            "--seed", "11", "--no-progress", "--log-every", "1000");

    @Test
    void killedAtRandomAndResumedEqualsTheUninterruptedRun() throws Exception {
        Assumptions.assumeTrue(ChildRun.posix(), "skipped: needs a POSIX system (SIGKILL, file locks)");
        Path whole = tmp.resolve("whole"), pieced = tmp.resolve("pieced");
        // a small text file instead of the 1,000,000-character built-in corpus: each child JVM starts faster
        Path text = tmp.resolve("text.txt");
        StringBuilder sb = new StringBuilder();
        Random gen = new Random(2);
        while (sb.length() < 40_000) sb.append("the quick brown fox jumps over the lazy dog ".split(" ")[gen.nextInt(9)]).append(gen.nextInt(7) == 0 ? ".\n" : " ");
        Files.writeString(text, sb);
        List<String> run = new ArrayList<>(RUN);
        run.addAll(List.of("--data", text.toString()));
        List<String> args = new ArrayList<>(run);
        args.addAll(List.of("--out", whole.toString()));
        StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args.toArray(new String[0])), err.toString());

        Random rnd = new Random(5);
        Path metrics = pieced.resolve("metrics.jsonl");
        int kills = 0;
        for (int round = 0; round < 3; round++) {
            List<String> a = new ArrayList<>(run);
            if (round == 0) a.addAll(List.of("--checkpoint-every", "1", "--out", pieced.toString()));
            else a = List.of("train", "--resume", pieced.toString(), "--no-progress");
            Path log = tmp.resolve("child" + round + ".log");
            Process p = ChildRun.start(log, a.toArray(new String[0]));
            try {
                long done = Files.exists(metrics) ? ChildRun.count(metrics) : 0;
                ChildRun.awaitLines(p, metrics, (int) Math.min(38, done + 2 + rnd.nextInt(6)), log);
                Thread.sleep(rnd.nextInt(15));   // a random instant: often inside a checkpoint write
                p.destroyForcibly();             // SIGKILL on POSIX
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                if (p.exitValue() == 137) kills++;
            } finally {
                p.destroyForcibly();
            }
        }
        assertTrue(kills >= 2, "at least two runs were killed mid-way (" + kills + ")");

        err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "train", "--resume", pieced.toString(), "--no-progress");
        assertEquals(0, status, err.toString());

        List<String> a = Files.readAllLines(whole.resolve("metrics.jsonl")), b = Files.readAllLines(metrics);
        assertEquals(40, b.size());
        for (int i = 0; i < 40; i++) {
            JsonObject x = JsonParser.parseString(a.get(i)).getAsJsonObject(), y = JsonParser.parseString(b.get(i)).getAsJsonObject();
            for (String k : List.of("step", "loss", "grad_norm", "update_ratio", "val_loss")) {
                assertEquals(x.get(k), y.get(k), "step " + (i + 1) + " " + k);
            }
        }
        assertArrayEquals(Files.readAllBytes(whole.resolve(Checkpoint.MODEL_FILE)), Files.readAllBytes(pieced.resolve(Checkpoint.MODEL_FILE)),
                "final weights bit-identical");
        try (var files = Files.walk(pieced)) {
            List<Path> tmpFiles = files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
            assertEquals(List.of(), tmpFiles, "no temporaries left");
        }
        try (var dirs = Files.list(pieced.resolve(CheckpointDir.SUBDIR))) {
            assertEquals(List.of("latest.json", "step-000000040"), dirs.map(d -> d.getFileName().toString()).sorted().toList());
        }
    }
}
