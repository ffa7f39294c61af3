package spikelab.stability;

import java.util.Locale;

/**
 * DESIGN §3 spike rule: value_t is a spike when value_t > μ + k·σ, with μ and σ the mean and
 * (population) standard deviation of the previous W finite values. A step is eligible only
 * once W finite values precede it, so nothing is reported earlier; non-finite values are
 * neither judged nor remembered (divergence and explosion deal with them).
 */
public final class SpikeDetector {
    /** DESIGN defaults. */
    public static final int DEFAULT_WINDOW = 100;
    public static final double DEFAULT_THRESHOLD = 6;
    /** OLMo 2's spike score settings. */
    public static final int OLMO2_WINDOW = 1000;
    public static final double OLMO2_THRESHOLD = 7;

    /** What one observation was judged against. */
    public static final class Check {
        public final boolean eligible, spike;
        public final double mean, std, threshold;

        Check(boolean eligible, boolean spike, double mean, double std, double threshold) {
            this.eligible = eligible;
            this.spike = spike;
            this.mean = mean;
            this.std = std;
            this.threshold = threshold;
        }

        static final Check NOT_ELIGIBLE = new Check(false, false, Double.NaN, Double.NaN, Double.NaN);
    }

    private final RollingWindow window;
    private final double k;
    private int eligible, spikes;

    public SpikeDetector(int window, double k) {
        if (window < 1) throw new IllegalArgumentException("spike window must be at least 1, got " + window + ": use e.g. --spike-window 100");
        if (!(k > 0) || !Double.isFinite(k)) throw new IllegalArgumentException("spike threshold must be a positive number of sigmas, got " + k + ": use e.g. --spike-threshold 6");
        this.window = new RollingWindow(window);
        this.k = k;
    }

    public static SpikeDetector defaults() { return new SpikeDetector(DEFAULT_WINDOW, DEFAULT_THRESHOLD); }

    /** A named preset: "default" (W 100, k 6) or "olmo2" (W 1000, k 7). */
    public static SpikeDetector preset(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "default": return defaults();
            case "olmo2": return new SpikeDetector(OLMO2_WINDOW, OLMO2_THRESHOLD);
            default: throw new IllegalArgumentException("unknown spike preset '" + name + "': use default or olmo2");
        }
    }

    public int window() { return window.capacity(); }
    public double k() { return k; }

    public Check observe(double v) {
        if (!Double.isFinite(v)) return Check.NOT_ELIGIBLE;
        Check c = Check.NOT_ELIGIBLE;
        if (window.full()) {
            double mean = window.mean(), std = window.std(), thr = mean + k * std;
            c = new Check(true, v > thr, mean, std, thr);
            eligible++;
            if (c.spike) spikes++;
        }
        window.add(v);
        return c;
    }

    public int eligible() { return eligible; }
    public int spikes() { return spikes; }

    /** Fraction of eligible steps that were spikes; 0 when no step was eligible yet. */
    public double score() { return eligible == 0 ? 0 : (double) spikes / eligible; }
}
