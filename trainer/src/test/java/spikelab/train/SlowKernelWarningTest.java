package spikelab.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar spikelab.jar} without the Vector API trains several times slower on the
 * CPU; the run says so once, with the fix, and says nothing when the module is there.
 */
class SlowKernelWarningTest {
    private static final String LINE = "the JVM was started without the Vector API";

    @Test
    void aSweepWithoutTheVectorApiWarnsOnceWithTheFix(@TempDir Path tmp) throws Exception {
        String out = sweep(tmp.resolve("plain"), false);
        assertEquals(1, occurrences(out, LINE), out);
        assertTrue(out.contains("use scripts/spikelab, or add --add-modules jdk.incubator.vector"), out);
        assertTrue(out.contains("plain Java"), out);
    }

    @Test
    void withTheVectorApiNothingIsSaid(@TempDir Path tmp) throws Exception {
        String out = sweep(tmp.resolve("vector"), true);
        assertEquals(0, occurrences(out, LINE), out);
        assertTrue(out.contains("Vector API"), out);
    }

    /** Two cells, so a warning said per backend would show twice. */
    private static String sweep(Path dir, boolean vector) throws Exception {
        Path log = Files.createDirectories(dir.getParent()).resolve(dir.getFileName() + ".log");
        Process p = ChildRun.start(log, vector,
                "sweep", "--activations", "relu", "--depths", "1", "--seeds", "1,2", "--lrs", "1e-3",
                "--device", "cpu", "--threads", "1", "--d-model", "16", "--heads", "2", "--context", "8",
                "--batch", "2", "--steps", "2", "--warmup", "0", "--eval-every", "2", "--eval-batches", "1",
                "--data", "synthetic", "--out", dir.toString());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sweep did not finish in 120 s: " + Files.readString(log));
        }
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static int occurrences(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }
}
