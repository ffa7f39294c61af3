package spikelab.backend.cpu;

import spikelab.model.Activation.Gate;

/**
 * The FFN gate functions over contiguous spans, in plain Java; {@link VectorActivationKernel}
 * overrides the spans with eight-lane code that performs the same operations in the same order,
 * so both give the same bits and this class also serves the vector code's tails.
 *
 * <p>GELU is the tanh form of DESIGN §1 rewritten through 0.5·(1 + tanh y) = σ(2y):
 * gelu(u) = u·σ(2y), gelu'(u) = s + 2u·s(1−s)·y', s = σ(2y), y = √(2/π)(u + 0.044715u³).
 * Mathematically identical, and every gate then needs only {@link FloatMath#sigmoid}.
 */
class ActivationKernel {
    static final float SQRT_2_OVER_PI = 0.7978845608028654f;
    static final float GELU_A = 0.044715f;

    // out[i] = g(x[i])
    void value(Gate g, float[] x, int xo, float[] out, int oo, int len) {
        for (int i = 0; i < len; i++) out[oo + i] = value(g, x[xo + i]);
    }

    // out[i] = g(a[i])·u[i]
    void gatedValue(Gate g, float[] a, int ao, float[] u, int uo, float[] out, int oo, int len) {
        for (int i = 0; i < len; i++) out[oo + i] = value(g, a[ao + i]) * u[uo + i];
    }

    // dx[i] = dy[i]·g'(x[i])
    void grad(Gate g, float[] dy, int dyo, float[] x, int xo, float[] dx, int dxo, int len) {
        for (int i = 0; i < len; i++) dx[dxo + i] = dy[dyo + i] * grad(g, x[xo + i]);
    }

    // da[i] = dy[i]·u[i]·g'(a[i]),  du[i] = dy[i]·g(a[i])
    void gatedGrad(Gate g, float[] dy, int dyo, float[] a, int ao, float[] u, int uo,
                   float[] da, int dao, float[] du, int duo, int len) {
        for (int i = 0; i < len; i++) {
            float x = a[ao + i], d = dy[dyo + i];
            da[dao + i] = d * u[uo + i] * grad(g, x);
            du[duo + i] = d * value(g, x);
        }
    }

    // out[i] = e^(x[i] − shift): softmax numerators (attention subtracts the row maximum)
    void expShifted(float[] x, int xo, float shift, float[] out, int oo, int len) {
        for (int i = 0; i < len; i++) out[oo + i] = FloatMath.exp(x[xo + i] - shift);
    }

    static float value(Gate g, float u) {
        switch (g) {
            case RELU: return u > 0f ? u : 0f;
            case GELU: return u * FloatMath.sigmoid(geluZ(u));
            case SILU: return u * FloatMath.sigmoid(u);
            case SIGMOID: return FloatMath.sigmoid(u);
            case IDENTITY: return u;
            default: throw new AssertionError(g);
        }
    }

    // relu'(0) is taken as 0
    static float grad(Gate g, float u) {
        switch (g) {
            case RELU: return u > 0f ? 1f : 0f;
            case GELU: {
                float u2 = u * u;
                float s = FloatMath.sigmoid(geluZ(u));
                float dy = SQRT_2_OVER_PI * (1f + 3f * GELU_A * u2);
                return s + 2f * u * (s * (1f - s)) * dy;
            }
            case SILU: {
                float s = FloatMath.sigmoid(u);
                return s * (1f + u * (1f - s));
            }
            case SIGMOID: {
                float s = FloatMath.sigmoid(u);
                return s * (1f - s);
            }
            case IDENTITY: return 1f;
            default: throw new AssertionError(g);
        }
    }

    // 2y = 2·√(2/π)·(u + 0.044715·u³)
    static float geluZ(float u) {
        return 2f * SQRT_2_OVER_PI * (u + GELU_A * (u * u) * u);
    }
}
