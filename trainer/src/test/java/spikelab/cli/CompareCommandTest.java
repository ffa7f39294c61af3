package spikelab.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import spikelab.report.Contrast;
import spikelab.report.PairedStats;
import spikelab.report.SyntheticRuns;

class CompareCommandTest {
    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter(), err = new StringWriter();

    private int compare(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "compare";
        System.arraycopy(args, 0, full, 1, args.length);
        return Main.run(new PrintWriter(out), new PrintWriter(err), full);
    }

    /** A finished run of activation at depth layers, seed and lr 1e-3, ending at finalVal, in sweep/runs/. */
    private static void run(Path sweep, String activation, int layers, long seed, double finalVal) throws IOException {
        SyntheticRuns.write(sweep.resolve("runs").resolve(activation + "-L" + layers + "-s" + seed + "-lr1e-3"),
                activation, layers, seed, 1e-3, 10, 10, 4.2, finalVal, false);
    }

    @Test
    void twoCellsGiveTheirPerSeedDifferenceAndTheReportsStatistics() throws IOException {
        Path sw = tmp.resolve("sw");
        double[] relu = {2.50, 2.40, 2.45, 2.52, 2.47}, reglu = {2.47, 2.41, 2.40, 2.49, 2.43};
        for (int s = 0; s < relu.length; s++) {
            run(sw, "relu", 2, s + 1, relu[s]);
            run(sw, "reglu", 2, s + 1, reglu[s]);
        }
        assertEquals(0, compare("--plus", sw.resolve("reglu-L2-lr1e-3").toString(), "--minus", sw.resolve("relu-L2-lr1e-3").toString()),
                err.toString());
        double[] d = new double[relu.length];
        for (int s = 0; s < d.length; s++) d[s] = reglu[s] - relu[s];
        PairedStats want = PairedStats.of(d);
        Contrast c = Contrast.of(List.of(sw.resolve("reglu-L2-lr1e-3")), List.of(sw.resolve("relu-L2-lr1e-3")), "final_val_loss", s -> true);
        assertArrayEquals(new long[] {1, 2, 3, 4, 5}, c.seeds);
        assertArrayEquals(d, c.values, 1e-12);
        assertEquals(want.mean, c.stats.mean, 1e-12);
        assertEquals(want.p, c.stats.p, 0);
        assertEquals(want.ciLow, c.stats.ciLow, 0);
        String text = out.toString();
        assertTrue(text.contains("| 2 | 2.4100 | 2.4000 | +0.0100 |"), text);
        assertTrue(text.contains(String.format(java.util.Locale.ROOT, "n 5 seeds: mean %+.4f", want.mean)), text);
        assertTrue(text.contains("below 0 in 4 of 5 seeds, above in 1"), text);
    }

    @Test
    void fourCellsAcrossSweepsGiveADifferenceOfDifferencesOnTheSeedsAllHave() throws IOException {
        Path a = tmp.resolve("eight"), b = tmp.resolve("sixteen");
        // lead at 8 layers (relu - reglu) = 0.04 + 0.01 s, at 16 layers = 0.01; seed 4 lacks its 16-layer reglu run
        for (int s = 1; s <= 4; s++) {
            run(a, "relu", 8, s, 2.0);
            run(a, "reglu", 8, s, 2.0 - 0.04 - 0.01 * s);
            run(b, "relu", 16, s, 2.1);
            if (s < 4) run(b, "reglu", 16, s, 2.09);
        }
        assertEquals(0, compare("--plus", a.resolve("reglu-L8-lr1e-3").toString(), "--minus", a.resolve("relu-L8-lr1e-3").toString(),
                "--minus", b.resolve("reglu-L16-lr1e-3").toString(), "--plus", b.resolve("relu-L16-lr1e-3").toString(),
                "--csv", tmp.resolve("dd.csv").toString()), err.toString());
        List<String> rows = Files.readAllLines(tmp.resolve("dd.csv"));
        assertEquals("seed,+eight/reglu-L8-lr1e-3,+sixteen/relu-L16-lr1e-3,-eight/relu-L8-lr1e-3,-sixteen/reglu-L16-lr1e-3,contrast", rows.get(0));
        assertEquals(4, rows.size(), "seeds 1-3 only");
        for (int s = 1; s <= 3; s++) {
            double contrast = Double.parseDouble(rows.get(s).substring(rows.get(s).lastIndexOf(',') + 1));
            assertEquals(-(0.04 + 0.01 * s) + 0.01, contrast, 1e-9, rows.get(s));
        }
        assertTrue(out.toString().contains("seed 4 left out: no finished run of reglu-L16-lr1e-3"), out.toString());
    }

    @Test
    void unfinishedAndDivergedRunsAndUnwantedSeedsAreLeftOutAndSaidSo() throws IOException {
        Path sw = tmp.resolve("sw");
        for (int s = 1; s <= 4; s++) run(sw, "relu", 2, s, 2.5);
        run(sw, "gelu", 2, 1, 2.4);
        SyntheticRuns.write(sw.resolve("runs/gelu-L2-s2-lr1e-3"), "gelu", 2, 2, 1e-3, 10, 6, 4.2, 2.4, false);  // interrupted
        SyntheticRuns.write(sw.resolve("runs/gelu-L2-s3-lr1e-3"), "gelu", 2, 3, 1e-3, 10, 7, 4.2, 2.4, true);   // diverged
        run(sw, "gelu", 2, 4, 2.3);
        assertEquals(0, compare("--plus", sw.resolve("gelu-L2-lr1e-3").toString(), "--minus", sw.resolve("relu-L2-lr1e-3").toString()),
                err.toString());
        String text = out.toString();
        assertTrue(text.contains("seed 2 left out: no finished run of gelu-L2-lr1e-3"), text);
        assertTrue(text.contains("seed 3 left out: final_val_loss is not finite in gelu-L2-lr1e-3"), text);
        assertTrue(text.contains("n 2 seeds: mean -0.1500"), text);

        Contrast c = Contrast.of(List.of(sw.resolve("gelu-L2-lr1e-3")), List.of(sw.resolve("relu-L2-lr1e-3")), "final_val_loss", s -> s == 4);
        assertArrayEquals(new long[] {4}, c.seeds);
        assertTrue(c.summaryLine().startsWith("n 1 seed: contrast -0.2000 (a CI and a p need at least two seeds)"), c.summaryLine());
    }

    @Test
    void anotherMetricFromSummaryJson() throws IOException {
        Path sw = tmp.resolve("sw");
        for (int s = 1; s <= 3; s++) {
            run(sw, "relu", 2, s, 2.5);
            run(sw, "relu", 4, s, 2.5);
        }
        Contrast c = Contrast.of(List.of(sw.resolve("relu-L4-lr1e-3")), List.of(sw.resolve("relu-L2-lr1e-3")), "max_attn_logit", s -> true);
        // SyntheticRuns writes max_attn_logit = 3 + layers + seed
        assertArrayEquals(new double[] {2, 2, 2}, c.values, 1e-12);
    }

    @Test
    void logZMetricsComeFromTheMetricsCurve() throws IOException {
        Path sw = tmp.resolve("sw");
        for (int s = 1; s <= 3; s++) {
            for (String act : new String[] {"relu", "reglu"}) {
                run(sw, act, 2, s, 2.5);
                // 150 steps: log Z 10.8 (its value at init with V = 50,257) at step 1, then -(s + 1) or -(s + 3)
                StringBuilder m = new StringBuilder();
                for (int step = 1; step <= 150; step++) {
                    double z = step == 1 ? 10.8 : step <= 50 ? 5 : -(s + (act.equals("relu") ? 1 : 3));
                    m.append("{\"step\":").append(step).append(",\"loss\":3.0,\"grad_norm\":1.0,\"logz_mean\":").append(z).append("}\n");
                }
                java.nio.file.Files.writeString(sw.resolve("runs/" + act + "-L2-s" + s + "-lr1e-3/metrics.jsonl"), m);
            }
        }
        Contrast fin = Contrast.of(List.of(sw.resolve("reglu-L2-lr1e-3")), List.of(sw.resolve("relu-L2-lr1e-3")), "final_abs_logz", s -> true);
        // the last 100 steps are 51..150: |log Z| s + 3 against s + 1
        assertArrayEquals(new double[] {2, 2, 2}, fin.values, 1e-12);
        Contrast max = Contrast.of(List.of(sw.resolve("reglu-L2-lr1e-3")), List.of(sw.resolve("relu-L2-lr1e-3")), "max_abs_logz", s -> true);
        assertArrayEquals(new double[] {0, 0, 0}, max.values, 1e-12, "both maxima are the first step's 10.8");
        assertEquals(0, compare("--plus", sw.resolve("reglu-L2-lr1e-3").toString(), "--metric", "final_abs_logz"), err.toString());
    }

    @Test
    void badInputIsOneLineNamingTheFix() throws IOException {
        Path sw = tmp.resolve("sw");
        run(sw, "relu", 2, 1, 2.5);
        run(sw, "reglu", 2, 1, 2.4);

        assertEquals(2, compare("--plus", sw.resolve("swiglu-L2-lr1e-3").toString()));
        assertEquals("error: no runs of cell 'swiglu-L2-lr1e-3' in " + sw.resolve("runs") + ": its cells are reglu-L2-lr1e-3, relu-L2-lr1e-3",
                err.toString().trim());

        err.getBuffer().setLength(0);
        assertEquals(2, compare("--plus", sw.resolve("relu-L2-lr1e-3").toString(), "--metric", "final_val_los"));
        String line = err.toString().trim();
        assertTrue(line.startsWith("error: --metric final_val_los is not in " + sw.resolve("runs/relu-L2-s1-lr1e-3/summary.json")
                + ": choose one of "), line);
        assertTrue(line.contains("final_val_loss") && !line.contains("device") && !line.contains("interrupted"), line);
        assertEquals(1, line.lines().count());

        err.getBuffer().setLength(0);
        assertEquals(2, compare("--plus", sw.resolve("relu-L2-lr1e-3").toString(), "--metric", "dead_fraction_per_layer"));
        assertTrue(err.toString().trim().startsWith("error: --metric dead_fraction_per_layer is not a number in "), err.toString());

        err.getBuffer().setLength(0);
        assertEquals(2, compare("--plus", tmp.resolve("nope/relu-L2-lr1e-3").toString()));
        assertEquals("error: " + tmp.resolve("nope") + " is not a directory: give DIR/CELL with DIR a sweep directory or a report's summary.csv", err.toString().trim());

        err.getBuffer().setLength(0);
        assertEquals(2, compare());
        assertEquals("error: compare needs cells: give --plus DIR/CELL and --minus DIR/CELL", err.toString().trim());
        assertFalse(Files.exists(tmp.resolve("x.csv")));
    }

    @Test
    void aReportsSummaryCsvGivesWhatItsRunDirectoriesGive() throws IOException {
        Path sw = tmp.resolve("sw"), rep = tmp.resolve("rep");
        for (int s = 1; s <= 6; s++) {
            run(sw, "relu", 4, s, 2.5 + 0.01 * s);
            run(sw, "swiglu", 4, s, 2.5 - 0.013 * s + (s % 2) * 0.02);
        }
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "report", sw.toString(), "--out", rep.toString()),
                err.toString());
        Path csv = rep.resolve("summary.csv");
        for (String metric : new String[] {"final_val_loss", "max_attn_logit"}) {
            Contrast fromRuns = Contrast.of(List.of(sw.resolve("swiglu-L4-lr1e-3")), List.of(sw.resolve("relu-L4-lr1e-3")), metric, s -> true);
            Contrast fromCsv = Contrast.of(List.of(csv.resolve("swiglu-L4-lr1e-3")), List.of(csv.resolve("relu-L4-lr1e-3")), metric, s -> true);
            assertArrayEquals(fromRuns.seeds, fromCsv.seeds);
            assertArrayEquals(fromRuns.values, fromCsv.values, 0, metric);
            assertEquals(fromRuns.stats.p, fromCsv.stats.p, 0);
            assertEquals("+rep/summary.csv/swiglu-L4-lr1e-3", fromCsv.terms.get(0).label());
        }
        assertEquals(2, compare("--plus", csv.resolve("relu-L4-lr1e-3").toString(), "--metric", "device"));
        assertTrue(err.toString().trim().startsWith("error: --metric device is not a number in " + csv), err.toString());
    }

    @Test
    void aMergedCsvWithTwoRunsOfOneSeedIsAnErrorNotAGuess() throws IOException {
        Path a = tmp.resolve("a"), b = tmp.resolve("b"), rep = tmp.resolve("rep");
        run(a, "relu", 2, 1, 2.5);
        run(b, "relu", 2, 1, 2.4);
        SyntheticRuns.set(b.resolve("runs/relu-L2-s1-lr1e-3"), "config.json", "steps", 20);   // another arm, so the report keeps both
        SyntheticRuns.set(b.resolve("runs/relu-L2-s1-lr1e-3"), "summary.json", "steps_planned", 20);
        SyntheticRuns.set(b.resolve("runs/relu-L2-s1-lr1e-3"), "summary.json", "steps_completed", 20);
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "report", a.toString(), b.toString(),
                "--out", rep.toString()), err.toString());
        assertEquals(2, compare("--plus", rep.resolve("summary.csv/relu-L2-lr1e-3").toString()));
        assertTrue(err.toString().trim().matches("error: .*summary.csv holds two runs of relu-L2-lr1e-3 seed 1 \\(.*\\): give their sweep directory instead"),
                err.toString());
    }

    @Test
    void csvCellsWithCommasQuotesAndEmptiesReadBack() {
        var rows = spikelab.report.SummaryCsv.parse("name,device,x\r\na,\"cpu (1 thread, AVX2)\",1.5\nb,\"say \"\"hi\"\"\",\n");
        assertEquals(2, rows.size());
        assertEquals("cpu (1 thread, AVX2)", rows.get(0).get("device"));
        assertEquals("say \"hi\"", rows.get(1).get("device"));
        assertEquals("", rows.get(1).get("x"));
        assertThrows(IllegalArgumentException.class, () -> spikelab.report.SummaryCsv.parse("a,b\n1\n"));
        assertThrows(IllegalArgumentException.class, () -> spikelab.report.SummaryCsv.parse("a,b\n1,\"2\n"));
    }

    @Test
    void helpPrintsCleanly() {
        // picocli reports a description it cannot format (a lone '%') on System.err, not the command's writer
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        StringWriter help = new StringWriter();
        try {
            System.setErr(new java.io.PrintStream(stderr, true));
            assertEquals(0, Main.run(new PrintWriter(help), new PrintWriter(err), "compare", "--help"));
        } finally {
            System.setErr(saved);
        }
        assertTrue(help.toString().contains("a paired contrast, its 95% CI and sign-flip p."), help.toString());
        assertEquals("", stderr.toString() + err, "help wrote warnings");
    }

    @Test
    void aCellIsARunNameWithoutItsSeed() {
        assertEquals("reglu-L8-lr1e-3", Contrast.cellName("reglu-L8-s13-lr1e-3"));
        assertEquals("swiglu-L8-lr3e-3-qk-bf16", Contrast.cellName("swiglu-L8-s7-lr3e-3-qk-bf16"));
        assertNull(Contrast.cellName("notes"));
    }
}
