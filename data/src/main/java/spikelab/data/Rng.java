package spikelab.data;

import java.util.Arrays;

/**
 * A small deterministic pseudo-random generator: xoshiro256** (Blackman and Vigna) seeded through
 * SplitMix64. We own the algorithm instead of using {@code java.util.Random} so that a seed means
 * the same stream on every JDK, and so that the whole state can be saved into a checkpoint and
 * restored to continue the exact same stream.
 */
public final class Rng {
    private long s0, s1, s2, s3;

    public Rng(long seed) {
        // SplitMix64 spreads any seed (0 included) into four well-mixed, not-all-zero words.
        long x = seed;
        x += 0x9E3779B97F4A7C15L; s0 = mix(x);
        x += 0x9E3779B97F4A7C15L; s1 = mix(x);
        x += 0x9E3779B97F4A7C15L; s2 = mix(x);
        x += 0x9E3779B97F4A7C15L; s3 = mix(x);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A generator derived from {@code seed} for an independent purpose named by {@code stream}. */
    public static Rng derived(long seed, long stream) {
        return new Rng(mix(seed ^ mix(stream + 0x632BE59BD9B4E019L)));
    }

    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, bound), exactly unbiased (rejects the short tail of the 64-bit range). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long b = bound;
        // The largest multiple of b that fits in 2^63; draws at or above it would favour small values.
        long limit = Long.MAX_VALUE - (Long.MAX_VALUE % b + 1) % b;
        long r;
        do {
            r = nextLong() >>> 1;
        } while (r > limit);
        return (int) (r % b);
    }

    /**
     * Uniform in [0, bound) for bounds beyond int; for a bound that fits an int it draws exactly
     * what {@link #nextInt(int)} does, so samplers over small and huge corpora share one stream.
     */
    public long nextLong(long bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long limit = Long.MAX_VALUE - (Long.MAX_VALUE % bound + 1) % bound;
        long r;
        do {
            r = nextLong() >>> 1;
        } while (r > limit);
        return r % bound;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Index i drawn with probability p[i]; p must sum to 1 (the last index absorbs rounding). */
    public int nextIndex(double[] p) {
        double u = nextDouble();
        double acc = 0;
        for (int i = 0; i < p.length - 1; i++) {
            acc += p[i];
            if (u < acc) return i;
        }
        return p.length - 1;
    }

    /** The full state, for checkpoints; {@link #restore} continues the stream exactly. */
    public long[] state() {
        return new long[] {s0, s1, s2, s3};
    }

    public void restore(long[] state) {
        if (state == null || state.length != 4) {
            throw new IllegalArgumentException("random state must have 4 numbers, got "
                    + (state == null ? "none" : String.valueOf(state.length))
                    + ": pass the array returned by state()");
        }
        if (state[0] == 0 && state[1] == 0 && state[2] == 0 && state[3] == 0) {
            throw new IllegalArgumentException(
                    "random state is all zeros, which xoshiro256** never reaches: pass the array returned by state()");
        }
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3];
    }

    @Override
    public String toString() {
        return "Rng" + Arrays.toString(state());
    }
}
