package spikelab.backend.cpu;

/**
 * LayerNorm's per-row element-wise passes in plain Java; {@link VectorLayerNormKernel}
 * overrides them with the same operations lane for lane (no fma contraction: mul and add
 * rounded separately, as here), so both give the same bits.
 *
 * <p>Why a kernel at all: the rows live in one float[] arena with the parameters and
 * gradients, so C2 cannot prove that dx does not overlap x or dy and leaves these loops scalar;
 * LayerNorm backward was 7% of a reference step.
 */
class LayerNormKernel {
    // out[i] = (x[i] − μ)·rstd·w[i] + b[i]
    void normalize(float[] x, int xo, float mu, float rs, float[] w, int wo, float[] b, int bo,
                   float[] out, int oo, int c) {
        for (int i = 0; i < c; i++) out[oo + i] = (x[xo + i] - mu) * rs * w[wo + i] + b[bo + i];
    }

    // dx[i] += rstd·(dy[i]·w[i] − mean(g) − x̂[i]·mean(g ⊙ x̂)),  x̂[i] = (x[i] − μ)·rstd
    void inputGrad(float[] dy, int yo, float[] w, int wo, float[] x, int xo, float mu, float rs,
                   float gMean, float gxMean, float[] dx, int dxo, int c) {
        for (int i = 0; i < c; i++) {
            float xh = (x[xo + i] - mu) * rs;
            float g = dy[yo + i] * w[wo + i];
            dx[dxo + i] += rs * (g - gMean - xh * gxMean);
        }
    }

    // sw[i] += dy[i]·(x[i] − μ)·rstd,  sb[i] += dy[i]  (one row's share of dw and db)
    void paramGrad(float[] dy, int yo, float[] x, int xo, float mu, float rs, float[] sw, float[] sb, int len) {
        for (int i = 0; i < len; i++) {
            float g = dy[yo + i];
            sw[i] += g * (x[xo + i] - mu) * rs;
            sb[i] += g;
        }
    }

    /** Interleaved partial sums of a row reduction, as in {@link FusedAttention}: element i goes to chain i mod 16. */
    static final int CHAINS = FusedAttention.CHAINS;

    // Σ x[i]; the chains are added by FusedAttention.combine's fixed tree. acc: 16 floats of scratch.
    float sum(float[] x, int xo, int c, float[] acc) {
        java.util.Arrays.fill(acc, 0, CHAINS, 0f);
        for (int i = 0; i < c; i++) acc[i % CHAINS] += x[xo + i];
        return FusedAttention.combine(acc, 0);
    }

    // Σ (x[i] − μ)², chained as sum()
    float sumSquaredDeviations(float[] x, int xo, int c, float mu, float[] acc) {
        java.util.Arrays.fill(acc, 0, CHAINS, 0f);
        for (int i = 0; i < c; i++) {
            float d = x[xo + i] - mu;
            acc[i % CHAINS] += d * d;
        }
        return FusedAttention.combine(acc, 0);
    }

    // out = {Σ g[i], Σ g[i]·(x[i] − μ)·rstd} with g = dy ⊙ w, each chained as sum(); acc: 32 floats
    void rowSums(float[] dy, int yo, float[] w, int wo, float[] x, int xo, float mu, float rs, int c,
                 float[] acc, float[] out) {
        java.util.Arrays.fill(acc, 0, 2 * CHAINS, 0f);
        for (int i = 0; i < c; i++) {
            float g = dy[yo + i] * w[wo + i];
            acc[i % CHAINS] += g;
            acc[CHAINS + i % CHAINS] += g * (x[xo + i] - mu) * rs;
        }
        out[0] = FusedAttention.combine(acc, 0);
        out[1] = FusedAttention.combine(acc, CHAINS);
    }
}
