package spikelab.backend;

import static org.junit.jupiter.api.Assertions.*;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** bf16 round-to-nearest-even on fp32 values: the cases that go wrong, then random bit patterns against an exact reference. */
class Bf16Test {
    private static float f(int bits) { return Float.intBitsToFloat(bits); }
    private static int bits(float x) { return Float.floatToRawIntBits(x); }

    @Test
    void bf16ValuesAreUnchanged() {
        for (int b : new int[] {0x3f800000, 0xc0200000, 0x3f810000, 0x7f7f0000, 0x00010000, 0x80010000}) {
            assertEquals(b, bits(Bf16.round(f(b))), Integer.toHexString(b));
        }
    }

    @Test
    void tiesGoToTheEvenNeighbour() {
        assertEquals(0x3f800000, bits(Bf16.round(f(0x3f808000))), "1 + 2^-8 is half way between 1 and 1 + 2^-7: even is 1");
        assertEquals(0x3f820000, bits(Bf16.round(f(0x3f818000))), "half way between 0x3f81 and 0x3f82: even is 0x3f82");
        assertEquals(0xbf800000, bits(Bf16.round(f(0xbf808000))), "negative ties alike");
        assertEquals(0x3f810000, bits(Bf16.round(f(0x3f808001))), "just above half rounds up");
        assertEquals(0x3f800000, bits(Bf16.round(f(0x3f807fff))), "just below half rounds down");
        assertEquals(0x40000000, bits(Bf16.round(f(0x3fffffff))), "a carry moves into the exponent");
    }

    @Test
    void subnormalsKeepSevenMantissaBits() {
        assertEquals(0, bits(Bf16.round(Float.MIN_VALUE)), "2^-149 is far below half of bf16's smallest subnormal");
        assertEquals(0x00020000, bits(Bf16.round(f(0x00018000))), "a subnormal tie goes to the even neighbour");
        assertEquals(0x00000000, bits(Bf16.round(f(0x00008000))), "half of the smallest bf16 subnormal ties to +0");
        assertEquals(0x00010000, bits(Bf16.round(f(0x00008001))));
        assertEquals(0x00800000, bits(Bf16.round(f(0x007fffff))), "the largest fp32 subnormal rounds up to the smallest normal");
    }

    @Test
    void overflowInfinitiesZerosAndNaN() {
        assertEquals(Float.POSITIVE_INFINITY, Bf16.round(Float.MAX_VALUE), "above the largest bf16 by more than half a step");
        assertEquals(Float.NEGATIVE_INFINITY, Bf16.round(-Float.MAX_VALUE));
        assertEquals(0x7f7f0000, bits(Bf16.round(f(0x7f7f7fff))), "just under half a step above the largest bf16 stays finite");
        assertEquals(0x7f800000, bits(Bf16.round(f(0x7f7f8000))), "a tie with infinity goes to the even side, infinity");
        assertEquals(Float.POSITIVE_INFINITY, Bf16.round(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, Bf16.round(Float.NEGATIVE_INFINITY));
        assertEquals(0x00000000, bits(Bf16.round(0f)));
        assertEquals(0x80000000, bits(Bf16.round(-0f)), "-0 keeps its sign");
        for (int nan : new int[] {0x7fc00000, 0x7f800001, 0x7f80ffff, 0xff800001, 0x7fffffff}) {
            float r = Bf16.round(f(nan));
            assertTrue(Float.isNaN(r), "NaN " + Integer.toHexString(nan) + " must not become " + r);
            assertEquals(nan < 0, bits(r) < 0, "sign kept");
            assertTrue(Bf16.representable(r));
        }
    }

    @Test
    void randomBitPatternsMatchAnExactNearestEvenReference() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            int b = rng.nextInt();
            float x = f(b);
            if (Float.isNaN(x)) continue;
            assertEquals(reference(x), bits(Bf16.round(x)), () -> Integer.toHexString(b));
        }
    }

    /** Nearest bf16 by exact decimal arithmetic: the two bf16 neighbours, the closer one, ties to an even last bit. */
    private static int reference(float x) {
        if (Float.isInfinite(x)) return bits(x);
        int b = bits(x);
        int down = b & 0xffff0000;
        if (down == b) return b;
        int up = down + 0x10000;     // next bf16 away from zero (may be infinity)
        BigDecimal v = new BigDecimal(x);
        BigDecimal dDown = v.subtract(new BigDecimal(f(down))).abs();
        BigDecimal dUp = Float.isInfinite(f(up))
                // beyond the largest bf16, infinity stands where the next step would be
                ? new BigDecimal(f(down)).add(new BigDecimal(f(down)).subtract(new BigDecimal(f(down - 0x10000)))).subtract(v).abs()
                : v.subtract(new BigDecimal(f(up))).abs();
        int cmp = dDown.compareTo(dUp);
        if (cmp < 0) return down;
        if (cmp > 0) return up;
        return ((down >>> 16) & 1) == 0 ? down : up;
    }
}
