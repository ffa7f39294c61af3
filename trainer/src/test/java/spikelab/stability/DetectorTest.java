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

    @Test
    void plantedSpikeIsFoundAtExactlyItsStep() {
        double[] s = smoothNoisy(600, 1);
        s[349] += 1.0;                                                  // step 350
        SpikeDetector d = SpikeDetector.defaults();
        assertEquals(List.of(350), spikeSteps(d, s));
        assertEquals(500, d.eligible());                                // steps 101..600
        assertEquals(1.0 / 500, d.score(), 0);
    }

    @Test
    void smoothNoisySeriesHasNoSpikes() {
        for (long seed = 1; seed <= 5; seed++) {
            SpikeDetector d = SpikeDetector.defaults();
            assertEquals(List.of(), spikeSteps(d, smoothNoisy(3000, seed)), "seed " + seed);
            assertEquals(0.0, d.score());
        }
        SpikeDetector olmo = SpikeDetector.preset("olmo2");
        assertEquals(1000, olmo.window());
        assertEquals(7.0, olmo.k());
        assertEquals(List.of(), spikeSteps(olmo, smoothNoisy(3000, 9)));
        assertEquals(2000, olmo.eligible());
    }

    @Test
    void nothingIsReportedBeforeTheWindowFills() {
        double[] s = smoothNoisy(300, 2);
        s[99] = 50;                                                     // step 100: window holds only 99
        SpikeDetector d = new SpikeDetector(100, 6);
        assertEquals(List.of(), spikeSteps(d, s));
        // the same jump one step later is judged, against a window that now includes step 100
        SpikeDetector d2 = new SpikeDetector(100, 6);
        double[] s2 = smoothNoisy(300, 2);
        s2[100] = 50;
        assertEquals(List.of(101), spikeSteps(d2, s2));
    }

    @Test
    void nonFiniteValuesNeitherCountNorEnterTheWindow() {
        SpikeDetector d = new SpikeDetector(3, 6);
        d.observe(1);
        d.observe(Double.NaN);
        d.observe(1);
        assertFalse(d.observe(Double.POSITIVE_INFINITY).eligible);
        assertFalse(d.observe(1).eligible, "only two finite values came before");
        SpikeDetector.Check c = d.observe(1);
        assertTrue(c.eligible);
        assertEquals(1.0, c.mean, 0);
        assertEquals(0.0, c.std, 0);
        assertEquals(1, d.eligible());
    }

    @Test
    void badSettingsNameTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SpikeDetector(0, 6));
        assertEquals("spike window must be at least 1, got 0: use e.g. --spike-window 100", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SpikeDetector.preset("olmo3"));
        assertEquals("unknown spike preset 'olmo3': use default or olmo2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ExplosionDetector(10, 1));
        assertEquals("explosion factor must be a finite number above 1, got 1.0: use e.g. --explosion-factor 10", e.getMessage());
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
    void divergenceOnNonFiniteLossOrAboveLnVPlusOneAfterWarmup() {
        DivergenceDetector d = new DivergenceDetector(65, 10);
        double bound = Math.log(65) + 1;
        assertEquals(bound, d.threshold(), 0);
        assertFalse(d.observe(5, bound + 3), "warm-up is exempt from the ln(V)+1 bound");
        assertFalse(d.observe(11, bound));
        assertFalse(d.diverged());
        assertTrue(d.observe(12, bound + 1e-9));
        assertEquals(12, d.divergedStep());
        DivergenceDetector nan = new DivergenceDetector(65, 10);
        assertTrue(nan.observe(3, Double.NaN), "a non-finite loss diverges even during warm-up");
        assertEquals(3, nan.divergedStep());
    }
}
