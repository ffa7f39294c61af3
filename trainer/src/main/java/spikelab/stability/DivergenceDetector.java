package spikelab.stability;

/**
 * DESIGN §3 divergence. A non-finite loss diverges the run at once. A finite loss above
 * ln(V) + 1 — worse than guessing uniformly over the vocabulary by one nat — is only an event
 * when it happens once: one bad batch is not the end of a run. The run diverges when, after
 * warm-up, the loss stays above that bound for {@code patience} consecutive steps.
 */
public final class DivergenceDetector {
    /** A loss stuck above ln(V)+1 for 10 steps is far longer than a spike (1–3 steps) lasts. */
    public static final int DEFAULT_PATIENCE = 10;

    /** What one step was. */
    public enum Verdict {
        /** finite and within the bound (or in warm-up) */
        FINE,
        /** above ln(V)+1 after warm-up, but not yet {@code patience} in a row: an event only */
        ABOVE_BOUND,
        /** non-finite, or the {@code patience}-th step in a row above the bound */
        DIVERGED
    }

    private final double threshold;
    private final int warmup, patience;
    private int streak, divergedStep = -1;

    /**
     * @param warmup   steps 1..warmup are exempt from the ln(V)+1 test (not from the non-finite one)
     * @param patience consecutive steps above ln(V)+1 that make a divergence (1 = the first one)
     */
    public DivergenceDetector(int vocabSize, int warmup, int patience) {
        if (vocabSize < 1) throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabSize);
        if (warmup < 0) throw new IllegalArgumentException("warm-up must be 0 or more steps, got " + warmup);
        if (patience < 1) throw new IllegalArgumentException("divergence patience must be at least 1 step, got " + patience + ": use e.g. --diverge-patience " + DEFAULT_PATIENCE);
        this.threshold = Math.log(vocabSize) + 1;
        this.warmup = warmup;
        this.patience = patience;
    }

    public double threshold() { return threshold; }
    public int patience() { return patience; }
    /** Consecutive steps above the bound up to the last observed one. */
    public int streak() { return streak; }

    /** Judges one step; the first DIVERGED step is remembered as the divergence step. */
    public Verdict observe(int step, double loss) {
        Verdict v;
        if (!Double.isFinite(loss)) {
            v = Verdict.DIVERGED;
        } else if (step > warmup && loss > threshold) {
            streak++;
            v = streak >= patience ? Verdict.DIVERGED : Verdict.ABOVE_BOUND;
        } else {
            streak = 0;
            v = Verdict.FINE;
        }
        if (v == Verdict.DIVERGED && divergedStep < 0) divergedStep = step;
        return v;
    }

    public boolean diverged() { return divergedStep >= 0; }

    /** The step at which the run was declared diverged, or -1. */
    public int divergedStep() { return divergedStep; }
}
