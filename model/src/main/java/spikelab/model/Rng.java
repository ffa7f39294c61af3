package spikelab.model;

/**
 * SplitMix64: a tiny, fully specified generator, so that a seed means the same numbers on every
 * JVM (java.util.Random's stream is not something we want results to hinge on).
 */
public final class Rng {
    private long state;

    public Rng(long seed) { state = seed; }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Standard normal by Box–Muller (one value per call; simple beats fast here). */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble();      // (0, 1]
        double u2 = nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    public long state() { return state; }
    public void setState(long s) { state = s; }
}
