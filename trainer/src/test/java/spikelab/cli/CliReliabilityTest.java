package spikelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import spikelab.train.Devices;

/** Small command-line promises of issue 15: usage errors, bench's own options, thread cap, loss printing. */
class CliReliabilityTest {
    private static Object[] cli(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Object[] {status, out.toString(), err.toString().trim()};
    }

    @Test
    void noArgumentsPrintsUsageToStderrAndExits2() {
        Object[] r = cli();
        assertEquals(2, r[0]);
        assertTrue(((String) r[2]).startsWith("Usage: spikelab"), (String) r[2]);
        assertTrue(((String) r[2]).contains("train"), (String) r[2]);
        assertEquals("", r[1]);
    }

    @Test
    void benchRefusesTrainOnlyOptions() {
        for (String opt : new String[] {"--out", "--resume", "--steps", "--checkpoint-every"}) {
            Object[] r = cli("bench", opt, "5");
            assertEquals(2, r[0], opt);
            assertEquals("error: Unknown options: '" + opt + "', '5' (see 'spikelab bench --help')", r[2]);
        }
        // and still has the model options it uses
        Object[] r = cli("bench", "--help");
        assertEquals(0, r[0]);
        String help = (String) r[1];
        assertTrue(help.contains("--d-model") && help.contains("--threads") && help.contains("--bench-steps"), help);
        assertTrue(!help.contains("--out") && !help.contains("--resume") && !help.contains("--lr "), help);
    }

    @Test
    void aNewRunThatFailsAfterLockingLeavesNoDirectory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        org.junit.jupiter.api.Assumptions.assumeTrue(Devices.cudaUnavailableReason() != null,
                "skipped: this machine has a GPU, so --device cuda does not fail after the lock");
        java.nio.file.Path out = tmp.resolve("r");
        Object[] r = cli("train", "--device", "cuda", "--layers", "1", "--d-model", "16", "--heads", "2", "--context", "8",
                "--steps", "1", "--out", out.toString());
        assertEquals(2, r[0], (String) r[2]);
        assertTrue(((String) r[2]).startsWith("error: --device cuda: "), (String) r[2]);
        assertTrue(!java.nio.file.Files.exists(out), "the directory made for the lock is removed again");
    }

    @Test
    void threadsAboveTheCoresAreCapped() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(cores, Devices.cpuThreads(cores + 1, false));
        assertEquals(cores, Devices.cpuThreads(64 * cores, false));
        assertEquals(1, Devices.cpuThreads(1, false));
    }

    @Test
    void lossesPrintAsNumbersOrNone() {
        JsonObject s = JsonParser.parseString("{\"final_val_loss\":\"NaN\",\"best_val_loss\":2.51234,\"diverged\":false}").getAsJsonObject();
        assertEquals("none", TrainCommand.loss(s, "final_val_loss"));
        assertEquals("2.5123", TrainCommand.loss(s, "best_val_loss"));
        s.addProperty("diverged", true);
        assertEquals("NaN", TrainCommand.loss(s, "final_val_loss"));
    }
}
