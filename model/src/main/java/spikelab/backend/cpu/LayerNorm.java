package spikelab.backend.cpu;

/** LayerNorm over the last dimension, eps 1e-5, with weight and bias. */
final class LayerNorm {
    static final float EPS = 1e-5f;

    private LayerNorm() {}

    private static final LayerNormKernel KERNEL = VectorKernels.choose("spikelab.layernorm",
            "spikelab.backend.cpu.VectorLayerNormKernel", LayerNormKernel.class, LayerNormKernel::new);

    /**
     * Σ x[off, off + len) in 16 interleaved chains added by a fixed tree (the kernel's row sum, on
     * vector lanes where it can): the same bits on any vector width. Cross-entropy sums with it too.
     * acc: 16 floats of scratch.
     */
    static float chainSum(float[] x, int off, int len, float[] acc) {
        return KERNEL.sum(x, off, len, acc);
    }

    // y = (x − μ)·rstd·w + b,  μ = mean(x),  rstd = 1/√(var(x) + eps)  (biased variance)
    static void forward(Parallel par, float[] out, int oOff, float[] mean, int mOff, float[] rstd, int rOff,
                        float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff, int n, int c) {
        par.forRange(n, 32, (from, to) -> {
            float[] acc = new float[LayerNormKernel.CHAINS];
            for (int r = from; r < to; r++) {
                int xr = xOff + r * c;
                float mu = KERNEL.sum(x, xr, c, acc) / c;
                float v = KERNEL.sumSquaredDeviations(x, xr, c, mu, acc);
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
            float[] sums = new float[2], acc = new float[2 * LayerNormKernel.CHAINS];
            for (int r = from; r < to; r++) {
                int xr = xOff + r * c, yr = dyOff + r * c, o = dxOff + r * c;
                float mu = mean[mOff + r], rs = rstd[rOff + r];
                KERNEL.rowSums(dy, yr, w, wOff, x, xr, mu, rs, c, acc, sums);
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
}
