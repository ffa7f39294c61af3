// Causal multi-head attention pieces around the strided-batched products (done by Matmul):
// layout changes between [B,T,·] rows and per-head [B,H,T,hs] blocks, the causal softmax and
// its backward. One warp per attention row.
#include "common.cuh"

// dst[b,h,t,d] = src[(b·T + t)·ld + h·hs + d]   (src rows have stride ld)
extern "C" __global__ void sl_heads_split(float* dst, const float* src, int ld, int b, int t, int c, int h) {
    int hs = c / h;
    SL_FOR(i, (long long)b * t * c) {
        long long row = i / c;
        int col = (int)(i % c);
        int bi = (int)(row / t), ti = (int)(row % t), hi = col / hs, d = col % hs;
        dst[(((long long)bi * h + hi) * t + ti) * hs + d] = src[row * ld + col];
    }
}

// dst[(b·T + t)·ld + h·hs + d] = src[b,h,t,d]
extern "C" __global__ void sl_heads_merge(float* dst, int ld, const float* src, int b, int t, int c, int h) {
    int hs = c / h;
    SL_FOR(i, (long long)b * t * c) {
        long long row = i / c;
        int col = (int)(i % c);
        int bi = (int)(row / t), ti = (int)(row % t), hi = col / hs, d = col % hs;
        dst[row * ld + col] = src[(((long long)bi * h + hi) * t + ti) * hs + d];
    }
}

// att holds S = QKᵀ/√hs for `rows` rows of length T (row r is query t = r mod T). In place:
// P = softmax over s ≤ t, zero above the diagonal. maxBits gets max |S_ts| (s ≤ t) through
// atomicMax on the bits of a non-negative float (order-independent, hence deterministic).
extern "C" __global__ void sl_attention_softmax(float* att, int* maxBits, long long rows, int t) {
    long long row = (long long)blockIdx.x * (blockDim.x / SL_WARP) + threadIdx.x / SL_WARP;
    int lane = threadIdx.x % SL_WARP;
    if (row >= rows) return;
    int ti = (int)(row % t);
    float* a = att + row * t;
    float m = -INFINITY, absMax = 0.f;
    for (int s = lane; s <= ti; s += SL_WARP) {
        float l = a[s];
        m = fmaxf(m, l);
        absMax = sl_max_nan(absMax, fabsf(l));
    }
    m = sl_warp_max(m);
    absMax = sl_warp_max_nan(absMax);
    float sum = 0.f;
    for (int s = lane; s <= ti; s += SL_WARP) {
        float e = expf(a[s] - m);
        a[s] = e;
        sum += e;
    }
    float inv = 1.f / sl_warp_sum(sum);
    for (int s = lane; s < t; s += SL_WARP) a[s] = s <= ti ? a[s] * inv : 0.f;
    if (lane == 0) atomicMax(maxBits, __float_as_int(absMax));
}

// ds holds dP = dO·Vᵀ; in place: dS = P ⊙ (dP − Σ_s P⊙dP) / √hs for s ≤ t, zero above.
extern "C" __global__ void sl_attention_softmax_backward(float* ds, const float* att, long long rows,
                                                         int t, float scale) {
    long long row = (long long)blockIdx.x * (blockDim.x / SL_WARP) + threadIdx.x / SL_WARP;
    int lane = threadIdx.x % SL_WARP;
    if (row >= rows) return;
    int ti = (int)(row % t);
    float* d = ds + row * t;
    const float* p = att + row * t;
    float dot = 0.f;
    for (int s = lane; s <= ti; s += SL_WARP) dot += p[s] * d[s];
    dot = sl_warp_sum(dot);
    for (int s = lane; s < t; s += SL_WARP) d[s] = s <= ti ? p[s] * (d[s] - dot) * scale : 0.f;
}
