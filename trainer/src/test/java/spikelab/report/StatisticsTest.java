package spikelab.report;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The report's tests of significance against values worked out by hand or in textbooks. */
class StatisticsTest {
    @Test
    void fisherExactOnTextbookTables() {
        // Fisher's lady tasting tea: 3 of 4 right; tables with a = 0..4 have weights 1,16,36,16,1 of 70,
        // and the two-sided p sums those no likelier than 16/70
        assertEquals(34.0 / 70, ExactTests.fisherTwoSided(3, 1, 1, 3), 1e-12);
        // the worked example on Wikipedia's "Fisher's exact test" page (R's fisher.test: 0.002759)
        assertEquals(0.002759, ExactTests.fisherTwoSided(1, 9, 11, 3), 5e-7);
        // the same table transposed or with its rows swapped has the same p
        assertEquals(ExactTests.fisherTwoSided(1, 9, 11, 3), ExactTests.fisherTwoSided(11, 3, 1, 9), 1e-12);
        assertEquals(ExactTests.fisherTwoSided(1, 9, 11, 3), ExactTests.fisherTwoSided(1, 11, 9, 3), 1e-12);
        // identical groups: no evidence at all
        assertEquals(1.0, ExactTests.fisherTwoSided(5, 5, 5, 5), 1e-12);
        assertEquals(1.0, ExactTests.fisherTwoSided(0, 7, 0, 9), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> ExactTests.fisherTwoSided(-1, 2, 3, 4));
    }

    @Test
    void holmAdjustsInStepsAndKeepsTheOrder() {
        // sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> monotone: 0.02, 0.03, 0.06, 0.06
        double[] adj = ExactTests.holm(new double[] {0.01, 0.04, 0.03, 0.005});
        assertArrayEquals(new double[] {0.03, 0.06, 0.06, 0.02}, adj, 1e-12);
        // untested comparisons (NaN) stay NaN and do not count: m = 2 here
        double[] withNaN = ExactTests.holm(new double[] {0.02, Double.NaN, 0.4});
        assertEquals(0.04, withNaN[0], 1e-12);
        assertTrue(Double.isNaN(withNaN[1]));
        assertEquals(0.4, withNaN[2], 1e-12);
        assertEquals(1.0, ExactTests.holm(new double[] {0.6, 0.7})[0], 1e-12, "capped at 1");
    }

    @Test
    void signFlipPOnAClearAndANullCase() {
        // five positive differences: only the all-plus and all-minus patterns reach |sum| = 15, so p = 2/32
        assertEquals(2.0 / 32, PairedStats.of(new double[] {1, 2, 3, 4, 5}).p, 1e-12);
        // one negative of the smallest size: patterns with |sum| >= 13 are +-(all), +-(flip the 1): 4/32
        assertEquals(4.0 / 32, PairedStats.of(new double[] {-1, 2, 3, 4, 5}).p, 1e-12);
        // exactly balanced differences: every pattern reaches 0, p = 1
        assertEquals(1.0, PairedStats.of(new double[] {1, -1, 2, -2}).p, 1e-12);

        // beyond the exact limit the p comes from random flips: a clear shift is at the floor 1/(R+1) ...
        double[] clear = new double[40], none = new double[40];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 40; i++) {
            clear[i] = 1 + 0.3 * gaussian(rnd);
            none[i] = (i % 2 == 0 ? 1 : -1) * (1 + i / 2);   // pairs +k, -k: symmetric about 0
        }
        PairedStats c = PairedStats.of(clear);
        assertEquals(1.0 / (PairedStats.RESAMPLES + 1), c.p, 1e-12);
        assertTrue(c.ciLow > 0.8 && c.ciHigh < 1.2 && c.ciLow < c.mean && c.mean < c.ciHigh, c.ciLow + " " + c.ciHigh);
        // ... and a null one is near 1
        assertTrue(PairedStats.of(none).p > 0.9, "p " + PairedStats.of(none).p);
        // seeded: the same data give the same numbers
        assertEquals(c.ciLow, PairedStats.of(clear).ciLow, 0);

        assertEquals(0, PairedStats.of(new double[0]).n);
        assertTrue(Double.isNaN(PairedStats.of(new double[0]).p));
        assertThrows(IllegalArgumentException.class, () -> PairedStats.of(new double[] {1, Double.NaN}));
    }

    @Test
    void bootstrapCiCoversTheTrueMeanAboutNineteenTimesInTwenty() {
        SplittableRandom rnd = new SplittableRandom(11);
        int covered = 0, trials = 200;
        double width = 0;
        for (int t = 0; t < trials; t++) {
            double[] d = new double[30];
            for (int i = 0; i < d.length; i++) d[i] = 0.3 + gaussian(rnd);
            double[] ci = PairedStats.bootstrapCi(d, 0.95);
            if (ci[0] <= 0.3 && 0.3 <= ci[1]) covered++;
            width += ci[1] - ci[0];
        }
        // a percentile bootstrap of n = 30 undercovers slightly; 95% of 200 is 190, binomial sd ~3
        assertTrue(covered >= 176 && covered <= 198, covered + " of " + trials);
        // and its width is the normal theory's 2 * 1.96 / sqrt(30) = 0.716 within 10%
        assertEquals(2 * 1.96 / Math.sqrt(30), width / trials, 0.07);
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller: one standard normal from two uniforms
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @Test
    void smallestAttainablePValues() {
        // no run with the event in either group: every table is the observed one
        assertEquals(1.0, ExactTests.fisherMinP(5, 5, 0));
        assertEquals(1.0, ExactTests.fisherMinP(5, 5, 10));
        // 6 events among 6 + 6 runs: all in one group is the most extreme table, 2 / C(12, 6)
        assertEquals(2.0 / 924, ExactTests.fisherMinP(6, 6, 6), 1e-12);
        assertEquals(ExactTests.fisherTwoSided(6, 0, 0, 6), ExactTests.fisherMinP(6, 6, 6), 1e-15);
        // one event among 5 + 5 can never be significant
        assertEquals(1.0, ExactTests.fisherMinP(5, 5, 1), 1e-12);
        // sign-flip: 5 pairs alike give 2/32; beyond the exact range the floor is 1/(R+1)
        assertEquals(0.0625, PairedStats.minP(5));
        assertEquals(PairedStats.signFlipP(new double[] {1, 2, 3, 4, 5}), PairedStats.minP(5));
        assertEquals(1.0 / (PairedStats.RESAMPLES + 1), PairedStats.minP(40));
        assertEquals(1.0, PairedStats.minP(0));
    }
}
