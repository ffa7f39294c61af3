package spikelab.stability;

/**
 * DESIGN §3 gradient explosion: grad_norm_t > k_g · median(previous W finite norms), or a
 * non-finite norm. The ratio test waits for {@code minValues} finite norms (as the spike rules
 * do); a non-finite norm is an explosion from the first step.
 */
public final class ExplosionDetector {
    public static final double DEFAULT_FACTOR = 10;

    /** What one observation was judged against; median/threshold are NaN before the window fills. */
    public static final class Check {
        public final boolean explosion;
        public final double median, threshold;

        Check(boolean explosion, double median, double threshold) {
            this.explosion = explosion;
            this.median = median;
            this.threshold = threshold;
        }
    }

    private final RollingWindow window;
    private final double factor;
    private final int minValues;
    private int explosions;

    /** A detector that judges only once the whole window is filled. */
    public ExplosionDetector(int window, double factor) { this(window, factor, window); }

    public ExplosionDetector(int window, double factor, int minValues) {
        if (!(factor > 1) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("explosion factor must be a finite number above 1, got " + factor + ": use e.g. --explosion-factor 10");
        }
        this.window = new RollingWindow(window);
        this.factor = factor;
        if (minValues < 1 || minValues > window) throw new IllegalArgumentException("the explosion rule needs between 1 and W = " + window + " norms before judging, got " + minValues);
        this.minValues = minValues;
    }

    public double factor() { return factor; }

    public Check observe(double gradNorm) {
        boolean ready = window.size() >= minValues;
        double median = ready ? window.median() : Double.NaN;
        double thr = factor * median;
        boolean boom = !Double.isFinite(gradNorm) || (ready && gradNorm > thr);
        if (boom) explosions++;
        if (Double.isFinite(gradNorm)) window.add(gradNorm);
        return new Check(boom, median, thr);
    }

    public int explosions() { return explosions; }
}
