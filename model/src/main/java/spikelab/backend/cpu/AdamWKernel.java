package spikelab.backend.cpu;

/**
 * The AdamW update over a span, in plain Java; {@link VectorAdamWKernel} does the same
 * operations lane for lane (float sqrt is correctly rounded, as is the double sqrt rounded to
 * float here), so both give the same bits. The parameters, gradients and moments share arenas,
 * which keeps C2 from vectorising this loop by itself.
 */
class AdamWKernel {
    // g ← s·g;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
    // θ ← θ − lr·( m/(1−β1ᵗ) / (√(v/(1−β2ᵗ)) + eps) + wd·θ ),  c1 = 1−β1ᵗ, c2 = 1−β2ᵗ
    void update(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int len,
                float lr, float beta1, float beta2, float eps, float wd, float gradScale, float c1, float c2) {
        for (int i = 0; i < len; i++) {
            float gi = g[go + i] * gradScale;
            float mi = beta1 * m[mo + i] + (1f - beta1) * gi;
            float vi = beta2 * v[vo + i] + (1f - beta2) * gi * gi;
            m[mo + i] = mi;
            v[vo + i] = vi;
            float update = (mi / c1) / ((float) Math.sqrt(vi / c2) + eps);
            p[po + i] -= lr * (update + wd * p[po + i]);
        }
    }
}
