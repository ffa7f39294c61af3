package spikelab.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import spikelab.cli.Main;
import spikelab.run.UserError;

/** One run per directory: a second process, or a second run in this process, is refused at once. */
class RunLockTest {
    @TempDir
    Path tmp;

    private static Object[] cli(String... args) {
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        return new Object[] {status, err.toString().trim(), (System.nanoTime() - t0) / 1e9};
    }

    @Test
    void resumeOfALiveRunInAnotherProcessFailsAtOnceNamingTheHolder() throws Exception {
        Assumptions.assumeTrue(java.io.File.separatorChar == '/', "skipped: needs a POSIX system for the child process");
        Path run = tmp.resolve("live"), log = tmp.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules=jdk.incubator.vector", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "spikelab.cli.Main", "train", "--device", "cpu", "--threads", "1", "--layers", "1", "--d-model", "16",
                "--heads", "2", "--context", "8", "--batch", "2", "--steps", "1000000", "--eval-every", "1000000",
                "--eval-batches", "1", "--checkpoint-every", "5", "--no-progress", "--out", run.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Path metrics = run.resolve("metrics.jsonl");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() >= 6)) {
                assertTrue(p.isAlive(), "child exited early: " + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "child made no progress in 60 s");
                Thread.sleep(20);
            }
            Object[] r = cli("train", "--resume", run.toString(), "--no-progress");
            String err = (String) r[1];
            assertEquals(2, r[0], err);
            assertTrue(err.matches("error: run directory \\Q" + run + "\\E is in use by pid " + p.pid()
                    + " on \\S+ since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ: wait for that run to end \\(or stop it\\), "
                    + "or choose another --out"), err);
            assertTrue((double) r[2] < 2.0, "refused within 2 s, took " + r[2]);
            assertTrue(p.isAlive(), "the live run is untouched");
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        // the kill released the lock: resuming now works
        Object[] r = cli("train", "--resume", run.toString(), "--no-progress", "--stop-after", "7");
        assertEquals(0, r[0], (String) r[1]);
    }

    @Test
    void secondLockInOneProcessIsRefusedAndReleasedOnClose() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        try (RunLock held = RunLock.acquire(dir)) {
            UserError e = assertThrows(UserError.class, () -> RunLock.acquire(dir));
            assertTrue(e.getMessage().startsWith("run directory " + dir + " is in use by pid " + ProcessHandle.current().pid() + " on "),
                    e.getMessage());
            // a sweep-like second run in this process on the same directory: one line, exit 2
            Object[] r = cli("train", "--device", "cpu", "--layers", "1", "--d-model", "16", "--heads", "2", "--context", "8",
                    "--batch", "2", "--steps", "2", "--no-progress", "--out", dir.toString());
            assertEquals(2, r[0], (String) r[1]);
            assertTrue(((String) r[1]).startsWith("error: run directory " + dir + " is in use by pid "), (String) r[1]);
            assertEquals(List.of(".lock"), Files.list(dir).map(f -> f.getFileName().toString()).toList(), "nothing written");
        }
        RunLock.acquire(dir).close();   // free again
        assertTrue(Files.readString(dir.resolve(RunLock.FILE)).startsWith("pid " + ProcessHandle.current().pid()));
    }
}
