// AdamW, element-wise (any launch shape gives the same bits).
#include "common.cuh"

// g ← s·g;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
// θ ← θ − lr·( (m/c1) / (√(v/c2) + eps) + wd·θ ),  c1 = 1−β1ᵗ, c2 = 1−β2ᵗ (from the host)
extern "C" __global__ void sl_adamw(float* p, const float* g, float* m, float* v, long long n,
                                    float lr, float beta1, float beta2, float eps, float wd,
                                    float gradScale, float c1, float c2) {
    SL_FOR(i, n) {
        float gi = g[i] * gradScale;
        float mi = beta1 * m[i] + (1.f - beta1) * gi;
        float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float update = (mi / c1) / (sqrtf(vi / c2) + eps);
        p[i] -= lr * (update + wd * p[i]);
    }
}
