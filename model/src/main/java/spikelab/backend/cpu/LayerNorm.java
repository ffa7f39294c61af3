package spikelab.backend.cpu;

/** LayerNorm over the last dimension, eps 1e-5, with weight and bias. */
final class LayerNorm {
    static final float EPS = 1e-5f;

    private LayerNorm() {}

    private static final LayerNormKernel KERNEL = VectorKernels.choose("spikelab.layernorm",
            "spikelab.backend.cpu.VectorLayerNormKernel", LayerNormKernel.class, LayerNormKernel::new);

    // y = (x − μ)·rstd·w + b,  μ = mean(x),  rstd = 1/√(var(x) + eps)  (biased variance)
    static void forward(Parallel par, float[] out, int oOff, float[] mean, int mOff, float[] rstd, int rOff,
                        float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff, int n, int c) {
        par.forRange(n, 32, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xr = xOff + r * c;
                float mu = sum(x, xr, c) / c;
                float v = sumSquaredDeviations(x, xr, c, mu);
                float rs = (float) (1.0 / Math.sqrt(v / c + EPS));
                KERNEL.normalize(x, xr, mu, rs, w, wOff, bias, bOff, out, oOff + r * c, c);
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
            float[] sums = new float[2];
            for (int r = from; r < to; r++) {
                int xr = xOff + r * c, yr = dyOff + r * c, o = dxOff + r * c;
                float mu = mean[mOff + r], rs = rstd[rOff + r];
                rowSums(dy, yr, w, wOff, x, xr, mu, rs, c, sums);
                KERNEL.inputGrad(dy, yr, w, wOff, x, xr, mu, rs, sums[0] / c, sums[1] / c, dx, o, c);
            }
        });
        dwDb(par, dw, dwOff, db, dbOff, dy, dyOff, x, xOff, mean, mOff, rstd, rOff, n, c);
    }

    // dw += Σ_r dy ⊙ x̂, db += Σ_r dy, each column summed over rows in order into a local array
    // first: dw and db may share their array with dy and x (one parameter/gradient arena), and
    // then C2 will not vectorise a loop that writes them row after row.
    private static void dwDb(Parallel par, float[] dw, int dwOff, float[] db, int dbOff, float[] dy, int dyOff,
                             float[] x, int xOff, float[] mean, int mOff, float[] rstd, int rOff, int n, int c) {
        par.forRange(c, 16, (from, to) -> {
            int w = to - from;
            float[] sw = new float[w], sb = new float[w];
            for (int r = 0; r < n; r++) {
                int xr = xOff + r * c + from, yr = dyOff + r * c + from;
                KERNEL.paramGrad(dy, yr, x, xr, mean[mOff + r], rstd[rOff + r], sw, sb, w);
            }
            for (int i = 0; i < w; i++) {
                dw[dwOff + from + i] += sw[i];
                db[dbOff + from + i] += sb[i];
            }
        });
    }

    // Row sums with four interleaved accumulators (element i goes to chain i mod 4, the chains
    // are added pairwise at the end): a single chain is bound by the add latency, four are not.
    // The order is fixed, so results do not depend on threads.
    private static float sum(float[] a, int off, int c) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i <= c - 4; i += 4) {
            s0 += a[off + i];
            s1 += a[off + i + 1];
            s2 += a[off + i + 2];
            s3 += a[off + i + 3];
        }
        for (; i < c; i++) s0 += a[off + i];
        return (s0 + s1) + (s2 + s3);
    }

    private static float sumSquaredDeviations(float[] a, int off, int c, float mu) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i <= c - 4; i += 4) {
            float d0 = a[off + i] - mu, d1 = a[off + i + 1] - mu, d2 = a[off + i + 2] - mu, d3 = a[off + i + 3] - mu;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; i < c; i++) {
            float d = a[off + i] - mu;
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    // {Σ g, Σ g·x̂} with g = dy ⊙ w, x̂ = (x − μ)·rstd, as in sum(): four chains each
    private static void rowSums(float[] dy, int yr, float[] w, int wOff, float[] x, int xr, float mu, float rs, int c,
                                float[] out) {
        float g0 = 0f, g1 = 0f, g2 = 0f, g3 = 0f, h0 = 0f, h1 = 0f, h2 = 0f, h3 = 0f;
        int i = 0;
        for (; i <= c - 4; i += 4) {
            float a0 = dy[yr + i] * w[wOff + i], a1 = dy[yr + i + 1] * w[wOff + i + 1];
            float a2 = dy[yr + i + 2] * w[wOff + i + 2], a3 = dy[yr + i + 3] * w[wOff + i + 3];
            g0 += a0;
            g1 += a1;
            g2 += a2;
            g3 += a3;
            h0 += a0 * (x[xr + i] - mu) * rs;
            h1 += a1 * (x[xr + i + 1] - mu) * rs;
            h2 += a2 * (x[xr + i + 2] - mu) * rs;
            h3 += a3 * (x[xr + i + 3] - mu) * rs;
        }
        for (; i < c; i++) {
            float a = dy[yr + i] * w[wOff + i];
            g0 += a;
            h0 += a * (x[xr + i] - mu) * rs;
        }
        out[0] = (g0 + g1) + (g2 + g3);
        out[1] = (h0 + h1) + (h2 + h3);
    }
}
