package spikelab.backend.cpu;

/**
 * exp and the logistic sigmoid in float, built only from operations the Vector API has lane
 * for lane (fma, multiply, add, divide, compare, integer bit tricks), so that
 * {@link VectorActivationKernel} computes the very same bits eight lanes at a time.
 *
 * <p>Why not {@link Math#exp}: it works in double and is not vectorised; the FFN activations
 * call it once per hidden unit per token, and through {@code Math.tanh} it was half of a CPU
 * training step.
 */
final class FloatMath {
    private FloatMath() {}

    static final float LOG2E = 1.44269504f;
    // ln 2 split so that n·LN2_HI is exact for |n| < 2^8 (Cody–Waite reduction)
    static final float LN2_HI = 0.693145752f;
    static final float LN2_LO = 1.42860677e-6f;
    /** 1.5·2^23: adding it rounds to the nearest integer, which then sits in the low mantissa bits. */
    static final float SHIFTER = 12582912f;
    static final int SHIFTER_BITS = Float.floatToRawIntBits(SHIFTER);
    /** Beyond these, e^x is taken as +∞ and 0 (true values: e^88.72 overflows, e^-87.34 is subnormal). */
    static final float EXP_HI = 88f, EXP_LO = -87f;
    // Taylor coefficients 1/k! for k = 2..7: on |r| ≤ ln2/2 the truncation error is below 5e-9
    static final float C2 = 0.5f, C3 = 1.6666667e-1f, C4 = 4.1666668e-2f, C5 = 8.3333338e-3f,
            C6 = 1.3888889e-3f, C7 = 1.9841270e-4f;

    // e^x = 2^n · e^r with n = round(x·log2 e), r = x − n·ln 2; e^r by its Taylor polynomial,
    // 2^n written straight into the exponent bits. Relative error ≤ 2 ulp on [EXP_LO, EXP_HI].
    static float exp(float x) {
        if (x > EXP_HI) return Float.POSITIVE_INFINITY;
        if (x < EXP_LO) return 0f;
        float t = Math.fma(x, LOG2E, SHIFTER);
        float n = t - SHIFTER;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, C7, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        float scale = Float.intBitsToFloat((Float.floatToRawIntBits(t) - SHIFTER_BITS + 127) << 23);
        return p * scale;
    }

    // σ(z) = 1 / (1 + e^−z): e^−z = +∞ gives 0, e^−z = 0 gives 1, as they should.
    static float sigmoid(float z) {
        return 1f / (1f + exp(-z));
    }
}
