package spikelab.data;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RngTest {
    /** Golden values from an independent Python implementation of SplitMix64 + xoshiro256**. */
    @Test
    void streamMatchesReferenceImplementation() {
        Rng zero = new Rng(0);
        assertEquals(-7355399402456485196L, zero.nextLong());
        assertEquals(-4652746763540216534L, zero.nextLong());
        assertEquals(1900383378846508768L, zero.nextLong());
        Rng r42 = new Rng(42);
        assertEquals(1546998764402558742L, r42.nextLong());
        assertEquals(6990951692964543102L, r42.nextLong());
        assertEquals(-5902157311460992607L, r42.nextLong());
    }

    @Test
    void nextIntCoversEveryValueEvenly() {
        Rng rng = new Rng(7);
        int bound = 7, draws = 70_000;
        int[] counts = new int[bound];
        for (int i = 0; i < draws; i++) counts[rng.nextInt(bound)]++;
        double expected = (double) draws / bound, chi2 = 0;
        for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
        // 6 degrees of freedom: P(chi2 > 22.5) = 0.001.
        assertTrue(chi2 < 22.5, "chi-square " + chi2 + " for counts " + java.util.Arrays.toString(counts));
        assertThrows(IllegalArgumentException.class, () -> rng.nextInt(0));
    }

    @Test
    void restoreContinuesTheStream() {
        Rng a = new Rng(3);
        a.nextLong();
        long[] saved = a.state();
        long expected = a.nextLong();
        Rng b = new Rng(99);
        b.restore(saved);
        assertEquals(expected, b.nextLong());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.restore(new long[3]));
        assertEquals("random state must have 4 numbers, got 3: pass the array returned by state()", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.restore(new long[4]));
        assertEquals("random state is all zeros, which xoshiro256** never reaches: pass the array returned by state()",
                e.getMessage());
    }

    @Test
    void derivedStreamsDiffer() {
        assertNotEquals(Rng.derived(1, 1).nextLong(), Rng.derived(1, 2).nextLong());
        assertNotEquals(Rng.derived(1, 1).nextLong(), Rng.derived(2, 1).nextLong());
        assertEquals(Rng.derived(5, 9).nextLong(), Rng.derived(5, 9).nextLong());
    }
}
