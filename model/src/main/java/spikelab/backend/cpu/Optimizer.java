package spikelab.backend.cpu;

/** The AdamW update, element-wise (so any split over threads gives the same bits). */
final class Optimizer {
    private Optimizer() {}

    // g ← s·g;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
    // θ ← θ − lr·( m/(1−β1ᵗ) / (√(v/(1−β2ᵗ)) + eps) + wd·θ )
    static void adamW(Parallel par, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
                      int n, float lr, float beta1, float beta2, float eps, float wd, float gradScale, int step) {
        float c1 = (float) (1.0 - Math.pow(beta1, step));
        float c2 = (float) (1.0 - Math.pow(beta2, step));
        par.forRange(n, 4096, (from, to) -> {
            for (int i = from; i < to; i++) {
                float gi = g[gOff + i] * gradScale;
                float mi = beta1 * m[mOff + i] + (1f - beta1) * gi;
                float vi = beta2 * v[vOff + i] + (1f - beta2) * gi * gi;
                m[mOff + i] = mi;
                v[vOff + i] = vi;
                float update = (mi / c1) / ((float) Math.sqrt(vi / c2) + eps);
                p[pOff + i] -= lr * (update + wd * p[pOff + i]);
            }
        });
    }
}
