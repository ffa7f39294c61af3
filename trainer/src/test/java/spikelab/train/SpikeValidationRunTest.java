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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import spikelab.cli.Main;
import spikelab.run.Json;
import spikelab.stability.SpikeDetector;
import spikelab.stability.SpikeValidation;

/**
 * The spike rules on a real training curve (a tiny model on the synthetic corpus, whose bounds
 * these assertions were written against; docs/stability.md has the tinyshakespeare runs) with spikes
 * injected at every eligible step, early in the fall and late: the robust rule must find what
 * the DESIGN rule misses early, without false alarms.
 */
class SpikeValidationRunTest {
    @TempDir
    static Path tmp;

    static final int STEPS = 240, W = 40;
    /** loss and grad_norm by step, from one run shared by the tests */
    private static double[][] curves;

    @BeforeAll
    static void train() throws IOException {
        Path run = tmp.resolve("run");
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), new String[] {"train", "--device", "cpu", "--data", "synthetic",
            "--layers", "2", "--d-model", "32", "--heads", "2", "--context", "32", "--batch", "8", "--steps", String.valueOf(STEPS),
            "--lr", "3e-3", "--warmup", "10", "--eval-every", "1000", "--probe-every", "1000", "--no-progress", "--log-every", "1000",
            "--seed", "3", "--out", run.toString()});
        assertEquals(0, status, err.toString());
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        curves = new double[2][lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            JsonObject m = JsonParser.parseString(lines.get(i)).getAsJsonObject();
            curves[0][i] = Json.toDouble(m.get("loss"));
            curves[1][i] = Json.toDouble(m.get("grad_norm"));
        }
    }

    @Test
    void robustRuleSeesEarlySpikesTheMeanStdRuleMissesWithNoMoreFalseAlarms() throws IOException {
        double[] loss = curves[0];
        assertEquals(STEPS, loss.length);
        SpikeValidation.Segment early = SpikeValidation.SEGMENTS.get(0), late = SpikeValidation.SEGMENTS.get(1);
        double[] sizes = {0.1, 0.25, 0.5};
        double[] tm = SpikeValidation.thresholds(loss, SpikeDetector.MEANSTD, W, 6);
        double[] tr = SpikeValidation.thresholds(loss, SpikeDetector.ROBUST, W, 6);
        SpikeValidation.Tally mEarly = SpikeValidation.tally(loss, tm, early, sizes), rEarly = SpikeValidation.tally(loss, tr, early, sizes);
        SpikeValidation.Tally mLate = SpikeValidation.tally(loss, tm, late, sizes), rLate = SpikeValidation.tally(loss, tr, late, sizes);
        assertEquals(STEPS * 3 / 10 - W, mEarly.eligible, "early: steps 41..72");
        String got = "early meanstd " + rates(mEarly) + " robust " + rates(rEarly) + "; late meanstd " + rates(mLate) + " robust " + rates(rLate);
        System.out.println("[spike validation, real tiny run] " + got);
        // a loss 25% up is missed by the DESIGN rule while the loss falls, found by the robust one
        assertTrue(mEarly.detectionRate(1) < 0.5, got);
        assertTrue(rEarly.detectionRate(1) > 0.9, got);
        // late, on a flat curve, both find every +50% spike; the robust rule's noisier trend
        // costs it some +25% ones (the price docs/stability.md reports)
        assertEquals(1.0, mLate.detectionRate(2), got);
        assertEquals(1.0, rLate.detectionRate(2), got);
        assertTrue(rLate.detectionRate(1) > 0.75, got);
        assertTrue(rEarly.falsePositiveRate() <= 0.02 && rLate.falsePositiveRate() <= 0.02, got);
    }

    /** The one-pass shortcut gives exactly what re-running the rule on an injected curve gives. */
    @Test
    void oneThresholdPassEqualsRerunningOnEachInjectedCurve() throws IOException {
        double[] norm = curves[1];
        for (String rule : new String[] {SpikeDetector.MEANSTD, SpikeDetector.ROBUST}) {
            double[] thr = SpikeValidation.thresholds(norm, rule, W, 6);
            for (int t = W; t < STEPS; t += 7) {
                for (double size : new double[] {0.05, 0.3, 1}) {
                    double[] injected = norm.clone();
                    injected[t] *= 1 + size;
                    SpikeDetector d = SpikeDetector.create(rule, W, 6, SpikeDetector.minValues(W, STEPS));
                    List<Integer> flagged = new ArrayList<>();
                    for (int i = 0; i < injected.length; i++) if (d.observe(injected[i]).spike) flagged.add(i);
                    assertEquals(injected[t] > thr[t], flagged.contains(t), rule + " step " + (t + 1) + " size " + size);
                }
            }
        }
    }

    private static String rates(SpikeValidation.Tally t) {
        return String.format("fp %.3f det10 %.2f det25 %.2f det50 %.2f", t.falsePositiveRate(), t.detectionRate(0), t.detectionRate(1), t.detectionRate(2));
    }
}
