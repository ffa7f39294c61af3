package spikelab.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The FFN activations under study (DESIGN §1). Gated variants compute gate(Wg·x) ⊙ (W1·x) and
 * by default use a hidden width of round(8C/3), so that their three matrices (3·h·C weights)
 * match the two-matrix FFN's 8C²: 3·round(8C/3) is 8C − 1, 8C or 8C + 1, off by at most
 * 1/(8C), which is under 1% from C = 13 on (0.4% at C = 32).
 *
 * <p>The scalar functions here are the single definition of each nonlinearity; backends
 * implement the same formulas.
 */
public enum Activation {
    RELU(false, Gate.RELU),
    GELU(false, Gate.GELU),
    SWIGLU(true, Gate.SILU),
    GEGLU(true, Gate.GELU),
    REGLU(true, Gate.RELU),
    GLU(true, Gate.SIGMOID),
    BILINEAR(true, Gate.IDENTITY);

    /** The elementwise function applied to the (gate) pre-activation. */
    public enum Gate { RELU, GELU, SILU, SIGMOID, IDENTITY }

    private final boolean gated;
    private final Gate gate;

    Activation(boolean gated, Gate gate) {
        this.gated = gated;
        this.gate = gate;
    }

    public boolean gated() { return gated; }
    public Gate gate() { return gate; }

    /** True where a dead unit's output is exactly zero (relu family), per DESIGN §3. */
    public boolean exactZeros() { return gate == Gate.RELU; }

    /**
     * The parameter-matched FFN hidden width h for model width C ({@code --ffn-hidden auto}):
     * 4C, or round(8C/3) for gated variants. 8C/3 is never halfway between integers, so
     * (8C + 1)/3 in integer division is the rounding.
     */
    public int hiddenWidth(int c) {
        return gated ? (8 * c + 1) / 3 : 4 * c;
    }

    public String cliName() { return name().toLowerCase(Locale.ROOT); }

    /** Parses a CLI name; the error lists the valid names. */
    public static Activation parse(String s) {
        for (Activation a : values()) {
            if (a.cliName().equals(s.trim().toLowerCase(Locale.ROOT))) return a;
        }
        throw new IllegalArgumentException("unknown activation '" + s + "': use one of " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(Activation::cliName).collect(Collectors.joining(", "));
    }

    // ---- the scalar math ---------------------------------------------------------------

    private static final float SQRT_2_OVER_PI = 0.7978845608028654f;

    /** g(u) for this gate. */
    public static float gate(Gate g, float u) {
        switch (g) {
            case RELU: return u > 0f ? u : 0f;
            case GELU: {
                // gelu_tanh(u) = 0.5·u·(1 + tanh(√(2/π)·(u + 0.044715·u³)))
                float inner = SQRT_2_OVER_PI * (u + 0.044715f * u * u * u);
                return 0.5f * u * (1f + (float) Math.tanh(inner));
            }
            case SILU: return u / (1f + (float) Math.exp(-u));
            case SIGMOID: return 1f / (1f + (float) Math.exp(-u));
            case IDENTITY: return u;
            default: throw new AssertionError(g);
        }
    }

    /** g'(u). relu'(0) is taken as 0. */
    public static float gateGrad(Gate g, float u) {
        switch (g) {
            case RELU: return u > 0f ? 1f : 0f;
            case GELU: {
                float u2 = u * u;
                float inner = SQRT_2_OVER_PI * (u + 0.044715f * u2 * u);
                float th = (float) Math.tanh(inner);
                float sech2 = 1f - th * th;
                return 0.5f * (1f + th) + 0.5f * u * sech2 * SQRT_2_OVER_PI * (1f + 3f * 0.044715f * u2);
            }
            case SILU: {
                float s = 1f / (1f + (float) Math.exp(-u));
                return s * (1f + u * (1f - s));
            }
            case SIGMOID: {
                float s = 1f / (1f + (float) Math.exp(-u));
                return s * (1f - s);
            }
            case IDENTITY: return 1f;
            default: throw new AssertionError(g);
        }
    }
}
