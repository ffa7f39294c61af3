package spikelab.report;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Claim 10 (depth, not size, shrinks the GLU's lead) from synthetic runs whose gaps and sizes are built in. */
class WidthClaimTest {
    @TempDir
    Path tmp;

    private static String markdown(Path... dirs) {
        List<RunData> runs = RunData.find(List.of(dirs));
        return Report.markdown(runs, new Cells(runs), List.of(), null);
    }

    @Test
    void aWideShallowModelKeepingItsLeadAtMatchedSizeSupportsClaimTen() throws IOException {
        Path dir = tmp.resolve("runs");
        for (long seed = 1; seed <= 9; seed++) {
            double base = 2.0 + 0.01 * seed + 0.003 * (seed % 4);
            // d32: the lead is 0.10 at 2 layers and 0.02 at 8; d64 at 2 layers has d32 × 8's parameters
            // and keeps 0.09 (0.08 more than d32 × 8 would: depth, not size)
            write(dir, "relu", 32, 2, seed, base, 100_000);
            write(dir, "reglu", 32, 2, seed, base - 0.10, 100_100);
            write(dir, "relu", 32, 8, seed, base, 400_000);
            write(dir, "reglu", 32, 8, seed, base - 0.02, 400_500);
            write(dir, "relu", 64, 2, seed, base, 410_000);
            write(dir, "reglu", 64, 2, seed, base - 0.09, 409_900);
            // d64 × 8 has 4x the parameters of d32 × 8 and is not matched to anything narrower
            write(dir, "relu", 64, 8, seed, base, 1_600_000);
            write(dir, "reglu", 64, 8, seed, base - 0.03, 1_600_100);
        }
        String md = markdown(dir);
        String row = "| reglu − relu: loss difference, %s | — | sign-flip permutation, seed; one lr per cell | 9 | %s | [%2$s, %2$s] | 0.0039 |";
        // the planned comparison: wider and shallower minus narrower and deeper, at matched parameters
        assertTrue(md.contains(String.format(row, "d64 × 2 layers − d32 × 8 layers (parameters 410k vs 400k)", "-0.0700")), md);
        // width alone, at each shared depth: +0.01 at 2 layers (the lead shrank a little), -0.01 at 8
        assertTrue(md.contains(String.format(row, "d64 − d32, 2 layers", "+0.0100")), md);
        assertTrue(md.contains(String.format(row, "d64 − d32, 8 layers", "-0.0100")), md);
        // no other pairing: d64 × 2 against d32 × 2 is same-depth, d64 × 8 matches nothing, d32 never minus d64
        assertEquals(3, md.lines().filter(l -> l.startsWith("| reglu − relu: loss difference, d")).count(), md);
        // the same-depth row at 2 layers has the other sign and is significant too: both ways, so unresolved
        assertTrue(md.contains("### Claim 10: Depth, not size, shrinks the GLU variants' loss advantage"), md);
        assertTrue(md.contains("(reglu vs relu, geglu vs gelu, swiglu vs gelu)\n\n**Verdict: unresolved.**"), md);
    }

    @Test
    void theGapFigureDrawsOneLinePerWidthThroughItsDepths() throws IOException {
        Path dir = tmp.resolve("fig");
        for (long seed = 1; seed <= 3; seed++) {
            for (int depth : List.of(2, 8)) {
                write(dir, "relu", 32, depth, seed, 2.0, 100_000L * depth);
                write(dir, "reglu", 32, depth, seed, 1.95, 100_000L * depth);
            }
            write(dir, "relu", 64, 2, seed, 2.0, 410_000);
            write(dir, "reglu", 64, 2, seed, 1.9, 410_000);
        }
        Path out = tmp.resolve("fig-report");
        Report.Result r = Report.generate(List.of(dir), out);
        assertTrue(r.plots.contains("glu-gap-vs-parameters"), r.plots.toString());
        assertTrue(java.nio.file.Files.size(out.resolve("plots").resolve("glu-gap-vs-parameters.png")) > 1000);
        List<RunData> runs = RunData.find(List.of(dir));
        java.util.Map<String, Plots.GapLine> lines = Plots.gapLines(new Cells(runs));
        assertEquals(List.of("reglu − relu d32 (layers 2, 8)", "reglu − relu d64 (layers 2)"), List.copyOf(lines.keySet()));
        Plots.GapLine narrow = lines.get("reglu − relu d32 (layers 2, 8)");
        assertEquals(32, narrow.width);
        assertEquals(List.of(200_000.0, 800_000.0), narrow.params);
        assertEquals(-0.05, narrow.mean.get(1), 1e-12);
        assertEquals(-0.1, lines.get("reglu − relu d64 (layers 2)").mean.get(0), 1e-12);
    }

    @Test
    void armsThatDifferInMoreThanWidthAreNotCompared() throws IOException {
        Path dir = tmp.resolve("other");
        for (long seed = 1; seed <= 6; seed++) {
            write(dir, "relu", 32, 8, seed, 2.0, 400_000);
            write(dir, "reglu", 32, 8, seed, 1.98, 400_000);
            Path r = write(dir, "relu", 64, 2, seed, 2.0, 410_000);
            Path g = write(dir, "reglu", 64, 2, seed, 1.9, 410_000);
            // the wide arm also ran qk-norm: two changes at once decide nothing about width
            for (Path p : List.of(r, g)) SyntheticRuns.set(p, "config.json", "qk_norm", true);
        }
        String md = markdown(dir);
        assertFalse(md.contains("loss difference, d"), md);
        assertTrue(md.contains("### Claim 10: Depth, not size"), md);
        assertTrue(md.contains("(reglu vs relu, geglu vs gelu, swiglu vs gelu)\n\n**Verdict: not tested here.**"), md);
    }

    private static Path write(Path dir, String act, int dModel, int depth, long seed, double fin, long params) throws IOException {
        Path d = dir.resolve(act + "-d" + dModel + "-L" + depth + "-s" + seed);
        SyntheticRuns.write(d, act, depth, seed, 3e-3, 30, 30, 4.2, fin, false);
        SyntheticRuns.set(d, "config.json", "d_model", dModel);
        SyntheticRuns.set(d, "summary.json", "d_model", dModel);
        SyntheticRuns.set(d, "summary.json", "parameter_count", params);
        return d;
    }
}
