package spikelab.report;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    @TempDir
    Path tmp;

    @Test
    void lrSensitivityMatchesAHandComputation() {
        // lr 1e-3: min(2.0,4.0)=2.0, min(2.2,4.2)=2.2 -> 2.1
        // lr 3e-3: 1.9, 2.1                             -> 2.0
        // lr 1e-2: NaN counts as its init 4.0; min(5.0,4.2)=4.2 -> 4.1
        // S = (2.1 + 2.0 + 4.1)/3 - 2.0 = 0.7333...
        List<LrSensitivity.Point> p = List.of(
                new LrSensitivity.Point(1e-3, 2.0, 4.0), new LrSensitivity.Point(1e-3, 2.2, 4.2),
                new LrSensitivity.Point(3e-3, 1.9, 4.0), new LrSensitivity.Point(3e-3, 2.1, 4.2),
                new LrSensitivity.Point(1e-2, Double.NaN, 4.0), new LrSensitivity.Point(1e-2, 5.0, 4.2));
        assertEquals(8.2 / 3 - 2.0, LrSensitivity.of(p), 1e-12);
        assertEquals(List.of(1e-3, 3e-3, 1e-2), List.copyOf(LrSensitivity.clampedLossByLr(p).keySet()));
        assertEquals(4.1, LrSensitivity.clampedLossByLr(p).get(1e-2), 1e-12);
        assertTrue(Double.isNaN(LrSensitivity.of(p.subList(0, 2))), "one learning rate: nothing to compare");
        // every lr reaching the same loss is perfectly insensitive
        assertEquals(0.0, LrSensitivity.of(List.of(new LrSensitivity.Point(1e-3, 2, 4), new LrSensitivity.Point(1e-2, 2, 4))), 0);
    }

    @Test
    void statsAndLabels() {
        assertEquals("2.00 ± 1.00 (1 non-finite)", Stats.of(1, 2, 3, Double.NaN).format(2));
        assertEquals("5.0", Stats.of(5).format(1));
        assertEquals("—", Stats.of().format(1));
        assertEquals("3e-3", RunData.lrLabel(3e-3));
        assertEquals("1e-2", RunData.lrLabel(0.01));
        assertEquals("2.5e-4", RunData.lrLabel(2.5e-4));
        assertEquals("1e0", RunData.lrLabel(1));
    }

    @Test
    void reportFromSyntheticRunDirectories() throws IOException {
        Path sweep = tmp.resolve("sweep");
        for (String act : List.of("relu", "swiglu")) {
            for (int depth : List.of(2, 4)) {
                for (long seed : List.of(1L, 2L)) {
                    for (double lr : List.of(1e-3, 1e-2)) {
                        boolean diverged = act.equals("relu") && depth == 4 && lr == 1e-2 && seed == 2;
                        double fin = 2.0 + 0.1 * seed + (lr == 1e-2 ? 0.5 : 0) + (act.equals("swiglu") ? -0.2 : 0);
                        String name = act + "-L" + depth + "-s" + seed + "-lr" + RunData.lrLabel(lr);
                        SyntheticRuns.write(sweep.resolve("runs").resolve(name), act, depth, seed, lr, 30,
                                diverged ? 17 : 30, 4.2, fin, diverged);
                    }
                }
            }
        }
        Report.Result r = Report.generate(List.of(sweep), sweep);
        assertEquals(16, r.runs);
        assertEquals(0, r.unfinished, "the diverged run counts as finished");

        List<String> csv = Files.readAllLines(sweep.resolve("summary.csv"));
        assertEquals("name,activation,norm,layers,d_model,lr,seed,parameter_count,device,steps_planned,steps_completed,"
                + "interrupted,diverged,diverged_step,final_train_loss,final_val_loss,best_val_loss,val_loss_at_init,"
                + "loss_spikes,grad_spikes,explosions,loss_spike_score,grad_spike_score,dead_fraction,max_attn_logit,"
                + "tokens_per_s,wall_time_s,qk_norm,z_loss,data,outcome,ffn_hidden,dead_recovered_fraction,precision,"
                + "max_ffn_outlier_ratio,dir", csv.get(0));
        assertEquals(17, csv.size());
        String div = csv.stream().filter(l -> l.startsWith("relu-L4-s2-lr1e-2,")).findFirst().orElseThrow();
        List<String> f = Arrays.asList(div.split(","));
        assertEquals("\"cpu, 2 threads\"", f.get(8) + "," + f.get(9), "quoted because it holds a comma");
        assertEquals(List.of("30", "17", "false", "true", "17", "NaN", "NaN"), f.subList(10, 17));
        // config.json has no qk_norm, data or ffn_hidden, summary.json no outcome: empty cells, not a crash
        assertEquals(List.of("", "", "", "", "", ""), f.subList(28, 34), "one more field: the device holds a comma");

        String md = Files.readString(sweep.resolve("report.md"));
        assertTrue(md.contains("| activation | layers | runs | best lr | final val loss | LR sensitivity |"), md);
        // relu L2: best lr 1e-3, finals 2.1 and 2.2 -> 2.1500 ± 0.0707; lr 1e-2 finals 2.6, 2.7
        // S = (2.15 + 2.65)/2 - 2.15 = 0.25; spike score 1/100 for every run; no divergence
        assertTrue(md.contains("| relu | 2 | 4 | 1e-3 | 2.1500 ± 0.0707 | 0.2500 | 0.0100 ± 0.0000 |"), md);
        // relu L4 lr 1e-2: one of two seeds diverged (its NaN final loss is left out of the mean, and counted)
        assertTrue(md.contains("| relu | 4 | 1e-2 | 2 | 2.6000 (1 non-finite) |"), md);
        assertTrue(md.contains("| 50% |"), md);
        assertTrue(md.contains("![loss-vs-lr-L4](plots/loss-vs-lr-L4.png)"), md);

        for (String base : List.of("loss-L2", "loss-L4", "grad-norm-L2", "grad-norm-L4", "loss-spike-score-vs-depth",
                "grad-spike-score-vs-depth", "dead-fraction-vs-depth", "max-attn-logit-vs-depth", "loss-vs-lr-L2", "loss-vs-lr-L4",
                "max-attn-logit-vs-lr-L2", "max-attn-logit-vs-lr-L4", "best-loss-vs-depth", "lr-sensitivity-vs-depth")) {
            assertTrue(r.plots.contains(base), base + " in " + r.plots);
            byte[] png = Files.readAllBytes(sweep.resolve("plots").resolve(base + ".png"));
            assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', base + ".png is a PNG");
            String svg = Files.readString(sweep.resolve("plots").resolve(base + ".svg"));
            assertTrue(svg.contains("<svg"), base + ".svg is an SVG");
        }
        assertFalse(r.plots.contains("glu-gap-vs-parameters"), "one width: claim 10's figure has nothing to show");
    }

    @Test
    void outcomesAreCountedPerCell() throws IOException {
        Path sweep = tmp.resolve("outcomes");
        String[] outcomes = {"ok", "stalled", null, "diverged", "ok"};
        for (int s = 0; s < outcomes.length; s++) {
            Path run = sweep.resolve("runs").resolve("relu-L2-s" + s + "-lr1e-3");
            boolean diverged = "diverged".equals(outcomes[s]);
            SyntheticRuns.write(run, "relu", 2, s, 1e-3, 30, diverged ? 17 : 30, 4.2, 2.0, diverged);
            if (outcomes[s] != null) SyntheticRuns.set(run, "summary.json", "outcome", outcomes[s]);
            if (s == 0) SyntheticRuns.set(run, "summary.json", "loss_spike_score", 0.0);
        }
        Report.generate(List.of(sweep), sweep);
        String md = Files.readString(sweep.resolve("report.md"));
        // 5 runs: 2 ok, 1 diverged, 1 stalled, 0 interrupted, 1 from before outcomes; 4 with a loss spike
        assertTrue(md.contains("| relu | 2 | 5 | 2 | 1 | 1 | 0 | 1 | 4 | 0 | no unit died |"), md);
    }

    @Test
    void preAndPostLayerNormRunsStayApart() throws IOException {
        Path runs = tmp.resolve("mixed");
        for (String norm : List.of("pre", "post")) {
            for (long seed : List.of(1L, 2L)) {
                Path d = runs.resolve("relu-" + norm + "-s" + seed);
                SyntheticRuns.write(d, "relu", 4, seed, 1e-3, 30, 30, 4.2, norm.equals("pre") ? 2.0 : 3.0, false);
                Path s = d.resolve("summary.json");
                Files.writeString(s, Files.readString(s).replace("\"norm\": \"pre\"", "\"norm\": \"" + norm + "\""));
            }
        }
        Report.generate(List.of(runs), runs);
        String md = Files.readString(runs.resolve("report.md"));
        assertTrue(md.contains("| relu post-LN | 4 | 2 | 1e-3 | 3.0000 ± 0.0000 |"), md);
        assertTrue(md.contains("| relu pre-LN | 4 | 2 | 1e-3 | 2.0000 ± 0.0000 |"), md);
    }

    @Test
    void withoutNativeFontsTheTablesAreStillWritten() throws IOException {
        Path a = tmp.resolve("a");
        SyntheticRuns.write(a, "gelu", 2, 1, 1e-3, 30, 30, 4.2, 2.5, false);
        Report.Result r = Report.write(RunData.find(List.of(a)), a, (cells, dir) -> {
            throw new UnsatisfiedLinkError("libfontmanager.so: libharfbuzz.so.0: cannot open shared object file");
        });
        assertEquals(List.of(), r.plots);
        assertEquals("this Java cannot draw charts (UnsatisfiedLinkError: libfontmanager.so: libharfbuzz.so.0: cannot open "
                + "shared object file); install fonts and libfreetype/libharfbuzz, or run 'spikelab report " + a
                + "' on another machine", r.plotsSkipped);
        String md = Files.readString(a.resolve("report.md"));
        assertTrue(md.contains("| gelu | 2 | 1 | 1e-3 | 2.5000 |"), md);
        assertTrue(md.contains("Not drawn: this Java cannot draw charts"), md);
        assertEquals(2, Files.readAllLines(a.resolve("summary.csv")).size());
    }

    @Test
    void unfinishedRunsAreListedAndBadInputsNamed() throws IOException {
        Path a = tmp.resolve("a");
        SyntheticRuns.write(a, "gelu", 2, 1, 1e-3, 30, 12, 4.2, 2.5, false);
        Report.Result r = Report.generate(List.of(a), tmp.resolve("out"));
        assertEquals(1, r.unfinished);
        assertTrue(Files.readString(tmp.resolve("out/report.md")).contains("**Unfinished runs**"));
        assertFalse(Files.readString(tmp.resolve("out/report.md")).contains("loss-vs-lr"), "one lr: no lr plot");

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Report.generate(List.of(empty), empty));
        assertEquals("no runs found in " + empty + ": expected summary.json there, in runs/*/ or in */", e.getMessage());
        Path bad = Files.createDirectories(tmp.resolve("bad"));
        Files.writeString(bad.resolve("summary.json"), "{\"activation\": \"gelu\"}");
        e = assertThrows(IllegalArgumentException.class, () -> Report.generate(List.of(bad), bad));
        assertEquals(bad.resolve("summary.json") + " has no 'layers': it was not written by spikelab train; "
                + "remove it from the report's inputs", e.getMessage());
    }

    @Test
    void depthFiguresPutEachDoublingOneStepApart() {
        // 2, 8, 16, 32 layers sit at 1, 3, 4, 5: the step 16 -> 32 is as wide as 8 -> 16
        assertEquals(1, Plots.depthX(2), 1e-12);
        assertEquals(Plots.depthX(32) - Plots.depthX(16), Plots.depthX(16) - Plots.depthX(8), 1e-12);
        assertEquals("2", Plots.depthLabel(1));
        assertEquals("32", Plots.depthLabel(5.0000000000001));
        assertEquals("1", Plots.depthLabel(0));
        // in-between ticks (where a non-power-of-two depth such as 12 may sit) stay unlabelled
        assertEquals("", Plots.depthLabel(3.5));
        assertEquals("", Plots.depthLabel(Plots.depthX(12)));
    }
}
