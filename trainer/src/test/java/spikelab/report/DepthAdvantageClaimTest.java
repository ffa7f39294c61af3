package spikelab.report;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Claim 9 (depth shrinks the GLU's loss advantage) from synthetic runs whose gaps are built in. */
class DepthAdvantageClaimTest {
    @TempDir
    Path tmp;

    private static String markdown(Path dir) {
        List<RunData> runs = RunData.find(List.of(dir));
        return Report.markdown(runs, new Cells(runs), List.of(), null);
    }

    @Test
    void aLeadThatVanishesWithDepthSupportsClaimNineWithOneLrPerCell() throws IOException {
        Path dir = tmp.resolve("fixed");
        for (long seed = 1; seed <= 10; seed++) {
            // each cell at one lr of its own, as an arm that fixes lrs from earlier seeds runs them:
            // relu 2.0 at both depths (1e-2 at 8 layers), reglu 0.1 lower at 2 layers and equal at 8
            double relu = 2.0 + 0.01 * seed + 0.002 * (seed % 3);
            write(dir, "relu", 2, seed, 3e-3, relu);
            write(dir, "relu", 8, seed, 1e-2, relu);
            write(dir, "reglu", 2, seed, 3e-3, relu - 0.1);
            // seed 10 lacks its reglu run at 8 layers: it has no gap there, so it pairs in no row of claim 9
            if (seed < 10) write(dir, "reglu", 8, seed, 3e-3, relu);
        }
        String md = markdown(dir);
        // no lr to choose, so the 9 complete seeds pair: exact sign-flip p = 2/512
        assertTrue(md.contains("| reglu − relu: loss difference, 2 − 8 layers | — | sign-flip permutation, seed; one lr per "
                + "cell | 9 | -0.1000 | [-0.1000, -0.1000] | 0.0039 |"), md);
        assertTrue(md.contains("### Claim 9: Depth shrinks the GLU variants' loss advantage: the GLU's final loss minus the "
                + "plain FFN's grows from the shallowest depth to the deepest (reglu vs relu, geglu vs gelu, swiglu vs gelu)"
                + "\n\n**Verdict: supported.**"), md);
        // claim 1 pools both depths: 19 (seed, depth) pairs, 10 of them at -0.1
        assertTrue(md.contains("| reglu − relu (parameters +0.0%) | — | sign-flip permutation, (seed, depth); one lr | 19 | -0.0526 |"), md);
    }

    @Test
    void threeDepthsChooseEachCellsLrOnTheHeldOutSeedAndTestEachStep() throws IOException {
        Path dir = tmp.resolve("three");
        for (long seed = 1; seed <= 7; seed++) {
            for (int depth : List.of(2, 4, 8)) {
                double base = 2.0 + 0.01 * seed;
                // relu best at 1e-2 everywhere; reglu best at 1e-3 at 2 layers (gap -0.1) and at 1e-2 deeper
                // (gap -0.05 at 4, +0.02 at 8), the other lr 0.3 worse
                write(dir, "relu", depth, seed, 1e-2, base);
                write(dir, "relu", depth, seed, 1e-3, base + 0.3);
                double gap = depth == 2 ? -0.1 : depth == 4 ? -0.05 : 0.02;
                write(dir, "reglu", depth, seed, depth == 2 ? 1e-3 : 1e-2, base + gap);
                write(dir, "reglu", depth, seed, depth == 2 ? 1e-2 : 1e-3, base + gap + 0.3);
            }
        }
        String md = markdown(dir);
        String row = "| reglu − relu: loss difference, %s layers | — | sign-flip permutation, seed; each cell's lr chosen "
                + "on the lowest shared seed, which is left out | 6 | %s | [%2$s, %2$s] | 0.0313 |";
        assertTrue(md.contains(String.format(row, "2 − 8", "-0.1200")), md);
        assertTrue(md.contains(String.format(row, "2 − 4", "-0.0500")), md);
        assertTrue(md.contains(String.format(row, "4 − 8", "-0.0700")), md);
        assertEquals(3, md.lines().filter(l -> l.contains("loss difference, ") && l.contains("sign-flip")).count(), md);
    }

    @Test
    void oneDepthLeavesClaimNineUntested() throws IOException {
        Path dir = tmp.resolve("one");
        for (long seed = 1; seed <= 4; seed++) {
            write(dir, "relu", 4, seed, 1e-2, 2.0);
            write(dir, "reglu", 4, seed, 1e-2, 1.9);
        }
        String md = markdown(dir);
        assertTrue(md.contains("### Claim 9: Depth shrinks"), md);
        assertFalse(md.contains("loss difference, "), md);
        assertTrue(md.contains("(reglu vs relu, geglu vs gelu, swiglu vs gelu)\n\n**Verdict: not tested here.**"), md);
    }

    private static void write(Path dir, String act, int depth, long seed, double lr, double fin) throws IOException {
        Path d = dir.resolve(act + "-L" + depth + "-s" + seed + "-lr" + RunData.lrLabel(lr));
        SyntheticRuns.write(d, act, depth, seed, lr, 30, 30, 4.2, fin, false);
    }
}
