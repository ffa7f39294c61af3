package spikelab.backend.cpu;

/**
 * QK-norm: LayerNorm of every head's query (or key) inside the packed qkv rows [N,3C], with one
 * weight and bias of size hs = C/H shared by the heads of a layer, eps 1e-5. The (row, head)
 * pieces are the "rows" of an ordinary LayerNorm of width hs; they are strided, not contiguous,
 * which is why this is not {@link LayerNorm}.
 */
final class HeadNorm {
    private HeadNorm() {}

    /** Offset of head j's values in row r of the given part, relative to the tensor's start. */
    private static int at(int r, int j, int c, int hs, int part) {
        return r * 3 * c + part * c + j * hs;
    }

    static void checkArgs(int n, int c, int h, int part) {
        if (part != 0 && part != 1) throw new IllegalArgumentException("head norm part must be 0 (q) or 1 (k), got " + part);
        if (h <= 0 || c % h != 0) throw new IllegalArgumentException("head norm: C = " + c + " is not divisible by H = " + h);
        if (n < 0) throw new IllegalArgumentException("head norm over " + n + " rows");
    }

    // per (row r, head j), over its hs values x:  μ = mean(x), rstd = 1/√(mean((x − μ)²) + eps),
    // y = (x − μ)·rstd·w + b;  μ and rstd saved at r·H + j
    static void forward(Parallel par, float[] out, int oOff, float[] mean, int mOff, float[] rstd, int rOff,
                        float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff, int n, int c, int h, int part) {
        checkArgs(n, c, h, part);
        int hs = c / h;
        par.forRange(n, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                for (int j = 0; j < h; j++) {
                    int k = at(r, j, c, hs, part), xr = xOff + k, o = oOff + k;
                    float s = 0f;
                    for (int i = 0; i < hs; i++) s += x[xr + i];
                    float mu = s / hs;
                    float v = 0f;
                    for (int i = 0; i < hs; i++) {
                        float d = x[xr + i] - mu;
                        v += d * d;
                    }
                    float rs = (float) (1.0 / Math.sqrt(v / hs + LayerNorm.EPS));
                    for (int i = 0; i < hs; i++) out[o + i] = (x[xr + i] - mu) * rs * w[wOff + i] + bias[bOff + i];
                    mean[mOff + r * h + j] = mu;
                    rstd[rOff + r * h + j] = rs;
                }
            }
        });
    }

    // With x̂ = (x − μ)·rstd and g = dy ⊙ w, per (row, head):
    //   dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂))           (overwrites dx's part)
    //   dw += Σ_(rows, heads) dy ⊙ x̂,  db += Σ_(rows, heads) dy
    // The parameter sums are split over the hs columns only; each column adds its (row, head)
    // terms in row-major order, so the result does not depend on the thread count.
    static void backward(Parallel par, float[] dx, int dxOff, float[] dw, int dwOff, float[] db, int dbOff,
                         float[] dy, int dyOff, float[] x, int xOff, float[] w, int wOff,
                         float[] mean, int mOff, float[] rstd, int rOff, int n, int c, int h, int part) {
        checkArgs(n, c, h, part);
        int hs = c / h;
        // the parameter sums read dy first: dx may be the same array region as dy
        par.forRange(hs, 8, (from, to) -> {
            int width = to - from;
            float[] sw = new float[width], sb = new float[width];
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < h; j++) {
                    int k = at(r, j, c, hs, part) + from, xr = xOff + k, yr = dyOff + k;
                    float mu = mean[mOff + r * h + j], rs = rstd[rOff + r * h + j];
                    for (int i = 0; i < width; i++) {
                        float g = dy[yr + i];
                        sw[i] += g * (x[xr + i] - mu) * rs;
                        sb[i] += g;
                    }
                }
            }
            for (int i = 0; i < width; i++) {
                dw[dwOff + from + i] += sw[i];
                db[dbOff + from + i] += sb[i];
            }
        });
        par.forRange(n, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                for (int j = 0; j < h; j++) {
                    int k = at(r, j, c, hs, part), xr = xOff + k, yr = dyOff + k, o = dxOff + k;
                    float mu = mean[mOff + r * h + j], rs = rstd[rOff + r * h + j];
                    float gs = 0f, gxs = 0f;
                    for (int i = 0; i < hs; i++) {
                        float g = dy[yr + i] * w[wOff + i];
                        gs += g;
                        gxs += g * (x[xr + i] - mu) * rs;
                    }
                    float gMean = gs / hs, gxMean = gxs / hs;
                    for (int i = 0; i < hs; i++) {
                        float xh = (x[xr + i] - mu) * rs;
                        float g = dy[yr + i] * w[wOff + i];
                        dx[o + i] = rs * (g - gMean - xh * gxMean);
                    }
                }
            }
        });
    }
}
