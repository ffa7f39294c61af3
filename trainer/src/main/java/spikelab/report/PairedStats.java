package spikelab.report;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Paired differences (one per seed, or per seed × depth × lr) and what the report says about
 * them: their mean and sample SD, a percentile-bootstrap 95% CI of the mean, and a two-sided
 * sign-flip permutation p-value. Both resamplings use a fixed seed, so a report is reproducible.
 */
public final class PairedStats {
    /** Bootstrap resamples, and sign flips when the exact enumeration would be too long. */
    static final int RESAMPLES = 10_000;
    /** Up to this many pairs every one of the 2^n sign patterns is enumerated (the exact p). */
    static final int EXACT_UP_TO = 16;
    private static final long SEED = 20_201_202L;

    public final int n;
    /** sd is the differences' sample standard deviation (NaN for fewer than two). */
    public final double mean, sd, ciLow, ciHigh, p;

    private PairedStats(int n, double mean, double sd, double ciLow, double ciHigh, double p) {
        this.n = n;
        this.mean = mean;
        this.sd = sd;
        this.ciLow = ciLow;
        this.ciHigh = ciHigh;
        this.p = p;
    }

    /** The statistics of the differences d (non-finite ones must be left out by the caller). */
    public static PairedStats of(double[] d) {
        for (double v : d) if (!Double.isFinite(v)) throw new IllegalArgumentException("paired differences must be finite, got " + v);
        if (d.length == 0) return new PairedStats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        double[] ci = bootstrapCi(d, 0.95);
        return new PairedStats(d.length, mean(d), Stats.of(d).std, ci[0], ci[1], signFlipP(d));
    }

    static double mean(double[] d) {
        double s = 0;
        for (double v : d) s += v;
        return s / d.length;
    }

    /**
     * Percentile bootstrap: resample the n differences with replacement RESAMPLES times and take
     * the (1−level)/2 and (1+level)/2 quantiles of the resampled means.
     */
    static double[] bootstrapCi(double[] d, double level) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        double[] means = new double[RESAMPLES];
        for (int b = 0; b < RESAMPLES; b++) {
            double s = 0;
            for (int i = 0; i < d.length; i++) s += d[rnd.nextInt(d.length)];
            means[b] = s / d.length;
        }
        Arrays.sort(means);
        return new double[] {quantile(means, (1 - level) / 2), quantile(means, (1 + level) / 2)};
    }

    /** Linear interpolation between order statistics of a sorted array. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * Two-sided sign-flip test of "the differences are symmetric about 0": under that null
     * each difference's sign is a fair coin, so p is the share of sign patterns whose
     * |sum| reaches the observed |sum|. Exact for n ≤ EXACT_UP_TO; otherwise RESAMPLES random
     * patterns with p = (hits + 1) / (RESAMPLES + 1), which never reports 0.
     */
    static double signFlipP(double[] d) {
        double obs = Math.abs(sum(d));
        // a tolerance so that patterns tying with the observed sum count despite rounding
        double tol = 1e-12 * Math.max(1, sumAbs(d));
        if (d.length <= EXACT_UP_TO) {
            long patterns = 1L << d.length, hits = 0;
            for (long m = 0; m < patterns; m++) {
                double s = 0;
                for (int i = 0; i < d.length; i++) s += ((m >>> i) & 1) == 0 ? d[i] : -d[i];
                if (Math.abs(s) >= obs - tol) hits++;
            }
            return (double) hits / patterns;
        }
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        long hits = 0;
        for (int b = 0; b < RESAMPLES; b++) {
            double s = 0;
            for (double v : d) s += rnd.nextBoolean() ? v : -v;
            if (Math.abs(s) >= obs - tol) hits++;
        }
        return (hits + 1.0) / (RESAMPLES + 1.0);
    }

    /** The smallest p {@link #signFlipP} can give for n pairs: every sign alike, 2 of 2ⁿ patterns (1 with none). */
    static double minP(int n) {
        if (n == 0) return 1;
        return n <= EXACT_UP_TO ? 2.0 / (1L << n) : 1.0 / (RESAMPLES + 1.0);
    }

    private static double sum(double[] d) {
        double s = 0;
        for (double v : d) s += v;
        return s;
    }

    private static double sumAbs(double[] d) {
        double s = 0;
        for (double v : d) s += Math.abs(v);
        return s;
    }
}
