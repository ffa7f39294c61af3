package spikelab.backend.cpu;

/** LayerNorm over the last dimension, eps 1e-5, with weight and bias. */
final class LayerNorm {
    static final float EPS = 1e-5f;

    private LayerNorm() {}

    // y = (x − μ)·rstd·w + b,  μ = mean(x),  rstd = 1/√(var(x) + eps)  (biased variance)
    static void forward(Parallel par, float[] out, int oOff, float[] mean, int mOff, float[] rstd, int rOff,
                        float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff, int n, int c) {
        par.forRange(n, 32, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xr = xOff + r * c;
                float s = 0f;
                for (int i = 0; i < c; i++) s += x[xr + i];
                float mu = s / c;
                float v = 0f;
                for (int i = 0; i < c; i++) {
                    float d = x[xr + i] - mu;
                    v += d * d;
                }
                float rs = (float) (1.0 / Math.sqrt(v / c + EPS));
                int o = oOff + r * c;
                for (int i = 0; i < c; i++) out[o + i] = (x[xr + i] - mu) * rs * w[wOff + i] + bias[bOff + i];
                mean[mOff + r] = mu;
                rstd[rOff + r] = rs;
            }
        });
    }

    // With x̂ = (x − μ)·rstd and g = dy ⊙ w:
    //   dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)),  dw = Σ_rows dy ⊙ x̂,  db = Σ_rows dy.
    // All accumulate. Parameter sums are split over columns so each column sums rows in order.
    static void backward(Parallel par, float[] dx, int dxOff, float[] dw, int dwOff, float[] db, int dbOff,
                         float[] dy, int dyOff, float[] x, int xOff, float[] w, int wOff,
                         float[] mean, int mOff, float[] rstd, int rOff, int n, int c) {
        par.forRange(n, 32, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xr = xOff + r * c, yr = dyOff + r * c, o = dxOff + r * c;
                float mu = mean[mOff + r], rs = rstd[rOff + r];
                float gMean = 0f, gxMean = 0f;
                for (int i = 0; i < c; i++) {
                    float g = dy[yr + i] * w[wOff + i];
                    gMean += g;
                    gxMean += g * (x[xr + i] - mu) * rs;
                }
                gMean /= c;
                gxMean /= c;
                for (int i = 0; i < c; i++) {
                    float xh = (x[xr + i] - mu) * rs;
                    float g = dy[yr + i] * w[wOff + i];
                    dx[o + i] += rs * (g - gMean - xh * gxMean);
                }
            }
        });
        par.forRange(c, 16, (from, to) -> {
            for (int r = 0; r < n; r++) {
                int xr = xOff + r * c, yr = dyOff + r * c;
                float mu = mean[mOff + r], rs = rstd[rOff + r];
                for (int i = from; i < to; i++) {
                    dw[dwOff + i] += dy[yr + i] * (x[xr + i] - mu) * rs;
                    db[dbOff + i] += dy[yr + i];
                }
            }
        });
    }
}
