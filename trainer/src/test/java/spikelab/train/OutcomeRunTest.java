package spikelab.train;

import static org.junit.jupiter.api.Assertions.*;

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
import spikelab.cli.Main;

/** summary.json's outcome and dead-unit recovery figures from real tiny runs, across a resume. */
class OutcomeRunTest {
    @TempDir
    Path tmp;

    private static final List<String> TINY = List.of("train", "--device", "cpu", "--layers", "2", "--d-model", "32",
            "--heads", "2", "--context", "32", "--batch", "8", "--eval-every", "20", "--eval-batches", "2",
            "--probe-every", "10", "--no-progress", "--log-every", "1000", "--activation", "relu", "--warmup", "5");

    private static JsonObject train(Path out, String... extra) throws IOException {
        List<String> args = new ArrayList<>(TINY);
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args.toArray(new String[0]));
        assertEquals(0, status, err.toString());
        return JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
    }

    @Test
    void aRunThatLearnsNothingBeyondTokenFrequenciesIsStalled() throws IOException {
        Path run = tmp.resolve("slow");
        JsonObject s = train(run, "--steps", "20", "--lr", "1e-6", "--min-lr", "0", "--out", run.toString());
        double h = s.get("unigram_entropy").getAsDouble();
        assertTrue(h > 1 && h < Math.log(s.get("parameter_count").getAsDouble()), "entropy " + h);
        assertTrue(s.get("final_val_loss").getAsDouble() > h - 0.1, s.toString());
        assertEquals("stalled", s.get("outcome").getAsString());
        assertFalse(s.get("diverged").getAsBoolean());
    }

    /**
     * An uninterrupted run and one stopped at step 30 and resumed end with the same outcome and
     * the same per-unit dead-state counts: the tracker's state travels in the checkpoint.
     */
    @Test
    void outcomeAndDeadUnitRecoverySurviveAResume() throws IOException {
        Path whole = tmp.resolve("whole"), split = tmp.resolve("split");
        String[] common = {"--steps", "60", "--lr", "1e-2", "--seed", "4"};
        JsonObject a = train(whole, concat(common, "--out", whole.toString()));
        JsonObject cut = train(split, concat(common, "--stop-after", "30", "--out", split.toString()));
        assertEquals("interrupted", cut.get("outcome").getAsString());
        JsonObject b = train(split, concat(common, "--resume", split.toString()));
        assertEquals("ok", a.get("outcome").getAsString(), a.toString());
        for (String k : List.of("outcome", "unigram_entropy", "final_val_loss", "dead_fraction_per_layer", "dead_units_now",
                "dead_units_ever", "dead_units_recovered", "dead_recovered_fraction", "loss_spikes", "loss_spike_eligible_steps",
                "spike_rule", "loss_above_bound_steps", "max_ffn_outlier_ratio", "ffn_outlier_ratio_per_layer")) {
            assertEquals(a.get(k), b.get(k), k);
        }
        int ever = a.get("dead_units_ever").getAsInt(), rec = a.get("dead_units_recovered").getAsInt();
        assertTrue(rec <= ever && a.get("dead_units_now").getAsInt() <= ever);
        System.out.println("[outcome run] dead units ever " + ever + ", recovered " + rec + ", now " + a.get("dead_units_now"));
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
