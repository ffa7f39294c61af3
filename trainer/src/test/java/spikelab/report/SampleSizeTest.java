package spikelab.report;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pairs-needed figure: its normal quantiles, its sizes against the paired t-test's, and the report section. */
class SampleSizeTest {
    @TempDir
    Path tmp;

    @Test
    void normalQuantilesMatchTabulatedValues() {
        // Abramowitz & Stegun table 26.5 and the usual two-sided critical values
        assertEquals(1.959963985, SampleSize.normalQuantile(0.975), 1e-8);
        assertEquals(0.841621234, SampleSize.normalQuantile(0.8), 1e-8);
        assertEquals(3.090232306, SampleSize.normalQuantile(0.999), 1e-8);
        assertEquals(-4.264890794, SampleSize.normalQuantile(1e-5), 1e-8);
        assertEquals(0, SampleSize.normalQuantile(0.5), 1e-12);
        assertEquals(2.866515719e-7, SampleSize.normalCdf(-5), 1e-16);
        assertEquals(0.158655254, SampleSize.normalCdf(-1), 1e-9);
        assertEquals(1 - 0.158655254, SampleSize.normalCdf(1), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> SampleSize.normalQuantile(1));
    }

    @Test
    void sizesAgreeWithThePairedTTestsExactOnes() {
        // exact paired t-test sizes for 80% power at two-sided 0.05 (noncentral t; G*Power gives the same):
        // Cohen's d 0.8 -> 15, 0.5 -> 34, 0.2 -> 199
        assertEquals(15, SampleSize.pairs(1, 0.8, 0.05, 0.8));
        assertEquals(34, SampleSize.pairs(1, -0.5, 0.05, 0.8));
        assertEquals(199, SampleSize.pairs(0.05, 0.01, 0.05, 0.8));
        // only the ratio sd/effect matters, and a stricter level needs more pairs
        assertEquals(SampleSize.pairs(2, 1, 0.05, 0.8), SampleSize.pairs(0.02, 0.01, 0.05, 0.8));
        assertTrue(SampleSize.pairs(1, 0.5, 0.05 / 20, 0.8) > 34);
        // a huge effect still needs the pairs a sign-flip test must have to reach the level at all
        assertEquals(6, SampleSize.pairs(0.001, 1, 0.05, 0.8));
        assertEquals(11, SampleSize.smallestSignFlipN(0.05 / 40));
        assertEquals(-1, SampleSize.pairs(1, 0, 0.05, 0.8));
        assertThrows(IllegalArgumentException.class, () -> SampleSize.pairs(1, 1, 0, 0.8));
    }

    @Test
    void theReportPlansTheUnresolvedComparisonsOnly() throws IOException {
        // reglu - relu at one depth and lr, 6 seeds, the gap alternating -0.03 and +0.01: claim 1 is
        // unresolved (mean -0.01, SD 0.0219, exact p 22/64), so it is the section's one row
        double[] gaps = new double[6];
        for (int s = 1; s <= 6; s++) {
            double relu = 2.0 + 0.01 * s;
            gaps[s - 1] = s % 2 == 0 ? 0.01 : -0.03;
            write("relu", s, relu);
            write("reglu", s, relu + gaps[s - 1]);
        }
        List<RunData> runs = RunData.find(List.of(tmp.resolve("mixed")));
        String md = Report.markdown(runs, new Cells(runs), List.of(), null);
        // exact p: 22 of the 64 sign patterns reach |sum| 0.06
        String claim1 = md.lines().filter(l -> l.startsWith("| reglu − relu (parameters +0.0%) | — | sign-flip")).findFirst().orElseThrow();
        assertTrue(claim1.contains("; one lr | 6 | -0.0100 | [") && claim1.endsWith("| 0.3438 | 0.3438 | unresolved |"), claim1);
        String section = md.substring(md.indexOf("## Pairs to decide the unresolved comparisons"));
        section = section.substring(0, section.indexOf("\n## ", 3));
        double sd = Stats.of(gaps).std;
        assertEquals(0.021908902, sd, 1e-8);
        // (1.96 + 0.8416)^2 * (0.0219/0.01)^2 + 1.96^2/2 = 37.65 + 1.92 -> 40; the family is this one
        // comparison, so the strict level is 0.05 as well
        assertEquals(40, SampleSize.pairs(sd, -0.01, 0.05, 0.8));
        assertTrue(section.contains("| reglu − relu (parameters +0.0%) | — | 6 | -0.0100 | 0.0219 | 40 | 40 |"), section);
        assertEquals(1, section.lines().filter(l -> l.startsWith("| reglu")).count(), section);

        // a decided comparison is not planned: with a constant gap claim 1 is supported and the section goes
        Path decided = tmp.resolve("decided");
        for (int s = 1; s <= 6; s++) {
            SyntheticRuns.write(decided.resolve("relu-L4-s" + s), "relu", 4, s, 3e-3, 30, 30, 4.2, 2.0 + 0.01 * s, false);
            SyntheticRuns.write(decided.resolve("reglu-L4-s" + s), "reglu", 4, s, 3e-3, 30, 30, 4.2, 1.9 + 0.01 * s, false);
        }
        List<RunData> dr = RunData.find(List.of(decided));
        String md2 = Report.markdown(dr, new Cells(dr), List.of(), null);
        assertTrue(md2.contains("| 6 | -0.1000 | [-0.1000, -0.1000] | 0.0313 | 0.0313 | supported |"), md2);
        assertFalse(md2.contains("## Pairs to decide"), md2);
    }

    private void write(String act, long seed, double fin) throws IOException {
        SyntheticRuns.write(tmp.resolve("mixed").resolve(act + "-L4-s" + seed), act, 4, seed, 3e-3, 30, 30, 4.2, fin, false);
    }
}
