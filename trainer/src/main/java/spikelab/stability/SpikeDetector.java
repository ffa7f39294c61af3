package spikelab.stability;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;

/**
 * A loss or gradient-norm spike rule (DESIGN §3): each step's value is judged against a
 * threshold computed from the finite values before it, then remembered. Two rules:
 * {@link MeanStdSpikes} ("meanstd", the DESIGN rule μ + k·σ) and {@link RobustSpikes}
 * ("robust", rolling median + MAD of residuals from a short-term trend). A step is eligible
 * once {@code minValues} finite values precede it; non-finite values are neither judged nor
 * remembered (divergence and explosion deal with them).
 */
public abstract class SpikeDetector {
    /** DESIGN defaults. */
    public static final int DEFAULT_WINDOW = 100;
    public static final double DEFAULT_THRESHOLD = 6;
    /** OLMo 2's spike score settings. */
    public static final int OLMO2_WINDOW = 1000;
    public static final double OLMO2_THRESHOLD = 7;
    public static final String MEANSTD = "meanstd", ROBUST = "robust";
    /** Chosen by the validation in docs/stability.md. */
    public static final String DEFAULT_RULE = ROBUST;

    /** What one observation was judged against; threshold does not depend on the value judged. */
    public static final class Check {
        public final boolean eligible, spike;
        public final double threshold;
        /** The reference statistics, in events.jsonl order, threshold last. */
        public final Map<String, Double> stats;

        Check(boolean spike, Map<String, Double> stats) {
            this.eligible = true;
            this.spike = spike;
            this.threshold = stats.get("threshold");
            this.stats = Collections.unmodifiableMap(stats);
        }

        private Check() {
            eligible = false;
            spike = false;
            threshold = Double.NaN;
            stats = Map.of();
        }

        static final Check NOT_ELIGIBLE = new Check();
    }

    private final int window, minValues;
    private final double k;
    private int seen, eligible, spikes;

    SpikeDetector(int window, double k, int minValues) {
        if (window < 1) throw new IllegalArgumentException("spike window must be at least 1, got " + window + ": use e.g. --spike-window 100");
        if (!(k > 0) || !Double.isFinite(k)) throw new IllegalArgumentException("spike threshold must be a positive number of sigmas, got " + k + ": use e.g. --spike-threshold 6");
        if (minValues < 1 || minValues > window) throw new IllegalArgumentException("a spike rule needs between 1 and W = " + window + " values before judging, got " + minValues);
        this.window = window;
        this.k = k;
        this.minValues = minValues;
    }

    /**
     * A rule by name ("meanstd" or "robust"). {@code minValues}: see {@link #minValues(int, int)}.
     */
    public static SpikeDetector create(String rule, int window, double k, int minValues) {
        switch (rule.trim().toLowerCase(Locale.ROOT)) {
            case MEANSTD: return new MeanStdSpikes(window, k, minValues);
            case ROBUST: return new RobustSpikes(window, k, minValues);
            default: throw new IllegalArgumentException("unknown spike rule '" + rule + "': use robust or meanstd");
        }
    }

    /**
     * Values needed before a step is judged: the whole window W, or half the planned run when
     * that is shorter — so OLMo 2's W = 1000 still scores the second half of a 1,000-step run.
     */
    public static int minValues(int window, int plannedSteps) {
        return Math.max(1, Math.min(window, plannedSteps / 2));
    }

    public abstract String rule();
    public int window() { return window; }
    public double k() { return k; }
    public int minValues() { return minValues; }

    /** Judges v against the values before it, then remembers it. */
    public final Check observe(double v) {
        if (!Double.isFinite(v)) return Check.NOT_ELIGIBLE;
        Check c = Check.NOT_ELIGIBLE;
        if (seen >= minValues) {
            c = judge(v);
            if (c.eligible) {
                eligible++;
                if (c.spike) spikes++;
            }
        }
        remember(v);
        seen++;
        return c;
    }

    /** The check of v against the remembered values (or NOT_ELIGIBLE). */
    abstract Check judge(double v);

    abstract void remember(double v);

    public int eligible() { return eligible; }
    public int spikes() { return spikes; }

    /** Fraction of eligible steps that were spikes; 0 when no step was eligible yet. */
    public double score() { return eligible == 0 ? 0 : (double) spikes / eligible; }
}
