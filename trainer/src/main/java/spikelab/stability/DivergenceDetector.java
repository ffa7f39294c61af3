package spikelab.stability;

/**
 * DESIGN §3 divergence: a non-finite loss at any step, or, once warm-up is over, a loss above
 * ln(V) + 1 — worse than guessing uniformly over the vocabulary by one nat, which a model that
 * is still learning never reaches after warm-up.
 */
public final class DivergenceDetector {
    private final double threshold;
    private final int warmup;
    private int divergedStep = -1;

    /** @param warmup steps 1..warmup are exempt from the ln(V)+1 test (not from the non-finite one) */
    public DivergenceDetector(int vocabSize, int warmup) {
        if (vocabSize < 1) throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabSize);
        if (warmup < 0) throw new IllegalArgumentException("warm-up must be 0 or more steps, got " + warmup);
        this.threshold = Math.log(vocabSize) + 1;
        this.warmup = warmup;
    }

    public double threshold() { return threshold; }

    /** True when this step diverges; the first such step is remembered. */
    public boolean observe(int step, double loss) {
        boolean d = !Double.isFinite(loss) || (step > warmup && loss > threshold);
        if (d && divergedStep < 0) divergedStep = step;
        return d;
    }

    public boolean diverged() { return divergedStep >= 0; }

    /** The first diverged step, or -1. */
    public int divergedStep() { return divergedStep; }
}
