package spikelab.stability;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class DetectorTest {
    /** A slowly decaying loss with Gaussian noise: what a healthy run looks like. */
    private static double[] smoothNoisy(int n, long seed) {
        Random r = new Random(seed);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) s[i] = 1.5 + 2.5 * Math.exp(-i / 300.0) + 0.02 * r.nextGaussian();
        return s;
    }

    private static List<Integer> spikeSteps(SpikeDetector d, double[] series) {
        List<Integer> steps = new ArrayList<>();
        for (int i = 0; i < series.length; i++) if (d.observe(series[i]).spike) steps.add(i + 1);
        return steps;
    }

    @Test
    void rollingWindowStatistics() {
        RollingWindow w = new RollingWindow(4);
        for (double v : new double[] {100, 1, 2, 3, 10}) w.add(v);   // 100 has rolled out
        assertTrue(w.full());
        assertEquals(4, w.size());
        assertEquals(4.0, w.mean(), 0);
        assertEquals(Math.sqrt((9 + 4 + 1 + 36) / 4.0), w.std(), 1e-15);
        assertEquals(2.5, w.median(), 0);
        w.add(20);
        assertEquals(6.5, w.median(), 0);                               // {2,3,10,20}
        assertThrows(IllegalStateException.class, () -> new RollingWindow(3).mean());
    }

    private static SpikeDetector full(String rule, int w, double k) { return SpikeDetector.create(rule, w, k, w); }

    @Test
    void plantedSpikeIsFoundAtExactlyItsStepByBothRules() {
        for (String rule : new String[] {SpikeDetector.MEANSTD, SpikeDetector.ROBUST}) {
            double[] s = smoothNoisy(600, 1);
            s[349] += 1.0;                                              // step 350
            SpikeDetector d = full(rule, 100, 6);
            assertEquals(List.of(350), spikeSteps(d, s), rule);
            assertEquals(500, d.eligible(), rule);                     // steps 101..600
            assertEquals(1.0 / 500, d.score(), 0, rule);
        }
    }

    @Test
    void smoothNoisySeriesHasNoSpikes() {
        for (String rule : new String[] {SpikeDetector.MEANSTD, SpikeDetector.ROBUST}) {
            for (long seed = 1; seed <= 5; seed++) {
                SpikeDetector d = full(rule, 100, 6);
                assertEquals(List.of(), spikeSteps(d, smoothNoisy(3000, seed)), rule + " seed " + seed);
                assertEquals(0.0, d.score());
            }
            SpikeDetector olmo = full(rule, SpikeDetector.OLMO2_WINDOW, SpikeDetector.OLMO2_THRESHOLD);
            assertEquals(List.of(), spikeSteps(olmo, smoothNoisy(3000, 9)), rule);
            assertEquals(2000, olmo.eligible(), rule);
        }
    }

    /**
     * During a fast early fall (loss halves its distance to 1.5 every ~40 steps) a jump of 0.3
     * nats, 15 times the noise, hides under μ + 6σ of a window that spans the fall, but stands
     * out from the 5-step trend's residuals.
     */
    @Test
    void onlyTheRobustRuleSeesASpikeDuringTheEarlyFall() {
        Random r = new Random(4);
        double[] s = new double[400];
        for (int i = 0; i < s.length; i++) s[i] = 1.5 + 2.5 * Math.exp(-i / 60.0) + 0.02 * r.nextGaussian();
        s[109] += 0.3;                                                  // step 110
        assertEquals(List.of(), spikeSteps(full(SpikeDetector.MEANSTD, 100, 6), s));
        assertEquals(List.of(110), spikeSteps(full(SpikeDetector.ROBUST, 100, 6), s));
    }

    @Test
    void olmo2SettingsScoreTheSecondHalfOfAThousandStepRun() {
        assertEquals(500, SpikeDetector.minValues(1000, 1000));
        assertEquals(100, SpikeDetector.minValues(100, 300), "the DESIGN window fills in a default run");
        assertEquals(1, SpikeDetector.minValues(100, 1));
        SpikeDetector d = SpikeDetector.create("meanstd", 1000, 7, SpikeDetector.minValues(1000, 1000));
        double[] s = smoothNoisy(1000, 3);
        s[799] += 6.0;                                                  // the fall since step 1 inflates sigma
        assertEquals(List.of(800), spikeSteps(d, s));
        assertEquals(500, d.eligible());                                // steps 501..1000
    }

    @Test
    void nothingIsReportedBeforeTheWindowFills() {
        double[] s = smoothNoisy(300, 2);
        s[99] = 50;                                                     // step 100: window holds only 99
        assertEquals(List.of(), spikeSteps(new MeanStdSpikes(100, 6, 100), s));
        // the same jump one step later is judged, against a window that now includes step 100
        double[] s2 = smoothNoisy(300, 2);
        s2[100] = 50;
        assertEquals(List.of(101), spikeSteps(new MeanStdSpikes(100, 6, 100), s2));
    }

    @Test
    void nonFiniteValuesNeitherCountNorEnterTheWindow() {
        SpikeDetector d = new MeanStdSpikes(3, 6, 3);
        d.observe(1);
        d.observe(Double.NaN);
        d.observe(1);
        assertFalse(d.observe(Double.POSITIVE_INFINITY).eligible);
        assertFalse(d.observe(1).eligible, "only two finite values came before");
        SpikeDetector.Check c = d.observe(1);
        assertTrue(c.eligible);
        assertEquals(1.0, c.stats.get("mean"), 0);
        assertEquals(0.0, c.stats.get("std"), 0);
        assertEquals(1, d.eligible());
    }

    @Test
    void robustThresholdIsTrendPlusResidualMedianPlusKScaledMad() {
        SpikeDetector d = new RobustSpikes(4, 2, 4);
        // the last 4 residuals, from the median of the 9 values before each: 10-5, 12-6, 13-7, 20-8
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 20};
        for (double x : v) d.observe(x);
        // residual window {5,6,6,12}: median 6, MAD = median{1,0,0,6} = 0.5
        SpikeDetector.Check c = d.observe(100);
        assertTrue(c.eligible);
        assertEquals(9.0, c.stats.get("trend"), 0);                    // median{5,6,7,8,9,10,12,13,20}
        assertEquals(6.0, c.stats.get("residual_median"), 0);
        assertEquals(1.4826 * 0.5, c.stats.get("scale"), 1e-15);
        assertEquals(9 + 6 + 2 * 1.4826 * 0.5, c.threshold, 1e-12);
        assertTrue(c.spike);
    }

    @Test
    void robustRuleJudgesShortRunsAsEarlyAsMeanStd() {
        SpikeDetector d = new RobustSpikes(3, 1, 3);
        assertFalse(d.observe(2.0).eligible);
        assertFalse(d.observe(1.9).eligible);                          // residual 1.9 - 2.0
        assertFalse(d.observe(1.8).eligible, "two values came before");
        SpikeDetector.Check c = d.observe(1.75);                       // residuals -0.1 and 1.8 - 1.95
        assertTrue(c.eligible);
        assertEquals(1.9, c.stats.get("trend"), 1e-12);                // median{2.0, 1.9, 1.8}
    }

    @Test
    void badSettingsNameTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MeanStdSpikes(0, 6, 1));
        assertEquals("spike window must be at least 1, got 0: use e.g. --spike-window 100", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SpikeDetector.create("olmo3", 100, 6, 100));
        assertEquals("unknown spike rule 'olmo3': use robust or meanstd", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ExplosionDetector(10, 1));
        assertEquals("explosion factor must be a finite number above 1, got 1.0: use e.g. --explosion-factor 10", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DivergenceDetector(65, 10, 0));
        assertEquals("divergence patience must be at least 1 step, got 0: use e.g. --diverge-patience 10", e.getMessage());
    }

    @Test
    void explosionAgainstAFlatMedian() {
        ExplosionDetector d = new ExplosionDetector(100, 10);
        for (int i = 0; i < 100; i++) assertFalse(d.observe(i % 2 == 0 ? 0.9 : 1.1).explosion);
        ExplosionDetector.Check below = d.observe(9.99);              // median of {0.9,1.1}x50 is 1.0
        assertFalse(below.explosion);
        assertEquals(1.0, below.median, 1e-12);
        assertEquals(10.0, below.threshold, 1e-12);
        ExplosionDetector.Check above = d.observe(12);
        assertTrue(above.explosion);
        assertEquals(1, d.explosions());
    }

    @Test
    void nonFiniteGradientIsAnExplosionFromTheFirstStep() {
        ExplosionDetector d = new ExplosionDetector(100, 10);
        assertFalse(d.observe(1000).explosion, "no ratio test before the window fills");
        assertTrue(d.observe(Double.NaN).explosion);
        assertTrue(d.observe(Double.POSITIVE_INFINITY).explosion);
        assertEquals(2, d.explosions());
    }

    @Test
    void explosionRatioTestStartsAfterMinValues() {
        ExplosionDetector d = new ExplosionDetector(100, 10, 3);
        assertFalse(d.observe(1).explosion);
        assertFalse(d.observe(1).explosion);
        assertFalse(d.observe(50).explosion, "two norms are not enough");
        assertTrue(d.observe(50).explosion, "median of {1,1,50} is 1");
    }

    @Test
    void divergenceOnNonFiniteLossOrKStepsAboveLnVPlusOneAfterWarmup() {
        DivergenceDetector d = new DivergenceDetector(65, 10, 3);
        double bound = Math.log(65) + 1;
        assertEquals(bound, d.threshold(), 0);
        assertEquals(DivergenceDetector.Verdict.FINE, d.observe(5, bound + 3), "warm-up is exempt from the ln(V)+1 bound");
        assertEquals(DivergenceDetector.Verdict.FINE, d.observe(11, bound));
        assertEquals(DivergenceDetector.Verdict.ABOVE_BOUND, d.observe(12, bound + 1e-9));
        assertEquals(DivergenceDetector.Verdict.ABOVE_BOUND, d.observe(13, bound + 5));
        assertEquals(DivergenceDetector.Verdict.FINE, d.observe(14, 2), "one good step ends the streak");
        assertEquals(0, d.streak());
        assertEquals(DivergenceDetector.Verdict.ABOVE_BOUND, d.observe(15, bound + 1));
        assertEquals(DivergenceDetector.Verdict.ABOVE_BOUND, d.observe(16, bound + 1));
        assertFalse(d.diverged());
        assertEquals(DivergenceDetector.Verdict.DIVERGED, d.observe(17, bound + 1), "the third in a row");
        assertEquals(17, d.divergedStep());
        DivergenceDetector nan = new DivergenceDetector(65, 10, 3);
        assertEquals(DivergenceDetector.Verdict.DIVERGED, nan.observe(3, Double.NaN), "a non-finite loss diverges at once, even during warm-up");
        assertEquals(3, nan.divergedStep());
        DivergenceDetector one = new DivergenceDetector(65, 0, 1);
        assertEquals(DivergenceDetector.Verdict.DIVERGED, one.observe(1, bound + 1), "patience 1 is the old rule");
    }
}
