// AdamW, element-wise (any launch shape gives the same bits), and the clipping scale a step
// computes on the device so that it never waits for the host.
#include "common.cuh"

// g ← s·g;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
// θ ← θ − lr·( (m/c1) / (√(v/c2) + eps) + wd·θ ),  c1 = 1−β1ᵗ, c2 = 1−β2ᵗ
__device__ __forceinline__ void sl_adamw_one(float* p, const float* g, float* m, float* v, long long i,
                                             float lr, float beta1, float beta2, float eps, float wd,
                                             float gradScale, float c1, float c2) {
    float gi = g[i] * gradScale;
    float mi = beta1 * m[i] + (1.f - beta1) * gi;
    float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float update = (mi / c1) / (sqrtf(vi / c2) + eps);
    p[i] -= lr * (update + wd * p[i]);
}

// per-step values from the host as arguments
extern "C" __global__ void sl_adamw(float* p, const float* g, float* m, float* v, long long n,
                                    float lr, float beta1, float beta2, float eps, float wd,
                                    float gradScale, float c1, float c2) {
    SL_FOR(i, n) sl_adamw_one(p, g, m, v, i, lr, beta1, beta2, eps, wd, gradScale, c1, c2);
}

// per-step values from step scalars s: lr, c1, c2, gradScale (NaN: skip the update)
extern "C" __global__ void sl_adamw_scalars(float* p, const float* g, float* m, float* v, long long n,
                                            const double* s, float beta1, float beta2, float eps, float wd) {
    float gradScale = (float)s[3];
    if (isnan(gradScale)) return;
    float lr = (float)s[0], c1 = (float)s[1], c2 = (float)s[2];
    SL_FOR(i, n) sl_adamw_one(p, g, m, v, i, lr, beta1, beta2, eps, wd, gradScale, c1, c2);
}

// norm = √(Σ s[from..from+count)) added in index order (the host's order, so the same double);
// s[at] = NaN if the norm is not finite, (float)(clip/norm) if clip > 0 and norm > clip, else 1.
// One thread: a few hundred additions, and the order is the point.
extern "C" __global__ void sl_clip_scale(double* s, int from, int count, double clip, int at) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    double total = 0.0;
    for (int i = from; i < from + count; i++) total = __dadd_rn(total, s[i]);
    double norm = __dsqrt_rn(total);
    double scale;
    if (isnan(norm) || isinf(norm)) scale = __longlong_as_double(0x7ff8000000000000LL);
    else if (clip > 0.0 && norm > clip) scale = (double)(float)__ddiv_rn(clip, norm);
    else scale = 1.0;
    s[at] = scale;
}
