package spikelab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import spikelab.cli.Main;
import spikelab.io.SafeTensors;

/** A real Ctrl-C: a child JVM running {@code spikelab train} gets SIGINT mid-run. */
class CheckpointSignalTest {
    @TempDir
    Path tmp;

    @Test
    void sigintWritesCheckpointAndSummaryThenExits130() throws Exception {
        Assumptions.assumeTrue(File.separatorChar == '/' && new File("/bin/kill").canExecute(),
                "skipped: needs a POSIX system with /bin/kill to send SIGINT");
        Path run = tmp.resolve("run");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "spikelab.cli.Main", "train", "--data", "synthetic", "--device", "cpu", "--threads", "1", "--layers", "1", "--d-model", "16",
                "--heads", "2", "--context", "8", "--batch", "2", "--steps", "1000000", "--eval-every", "1000000",
                "--eval-batches", "1", "--no-progress", "--out", run.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        try {
            Path metrics = run.resolve("metrics.jsonl");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() >= 3)) {
                assertTrue(p.isAlive(), "child exited early: " + Files.readString(tmp.resolve("child.log")));
                assertTrue(System.nanoTime() < deadline, "child made no progress in 60 s");
                Thread.sleep(50);
            }
            new ProcessBuilder("/bin/kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not exit within 60 s of SIGINT");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(130, p.exitValue(), Files.readString(tmp.resolve("child.log")));

        JsonObject summary = JsonParser.parseString(Files.readString(run.resolve("summary.json"))).getAsJsonObject();
        int done = summary.get("steps_completed").getAsInt();
        assertTrue(summary.get("interrupted").getAsBoolean());
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(done, lines.size(), "every completed step was flushed to metrics.jsonl");
        assertTrue(lines.get(done - 1).contains("\"val_loss\""), "the stop step was evaluated");
        try (SafeTensors st = SafeTensors.open(run.resolve(Checkpoint.MODEL_FILE))) {
            assertEquals(done, Checkpoint.meta(st).step(), "the checkpoint is of the last completed step");
        }
        try (var files = Files.list(run)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temp files left");
        }

        // and the run continues from there (to a nearer end: the resumed run must keep --steps, so stop it)
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "train", "--resume", run.toString(),
                "--stop-after", Integer.toString(done + 2), "--no-progress");
        assertEquals(0, status, err.toString());
        assertEquals(done + 2, Files.readAllLines(run.resolve("metrics.jsonl")).size());
    }
}
