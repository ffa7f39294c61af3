// Softmax cross-entropy over the vocabulary, one block per row.
#include "common.cuh"

#define CE_THREADS 256

// logZ_i = max_i + log Σ_j exp(l_ij − max_i) (the sum in double, fixed tree), loss_i = logZ_i − l_i,y
extern "C" __global__ void sl_crossentropy_forward(float* losses, float* logZ, const float* logits,
                                                   const int* targets, int n, int v) {
    __shared__ double shm[CE_THREADS];
    __shared__ float wmax[CE_THREADS / SL_WARP];
    int row = blockIdx.x;
    const float* l = logits + (long long)row * v;
    float m = -INFINITY;
    for (int j = threadIdx.x; j < v; j += blockDim.x) m = fmaxf(m, l[j]);
    m = sl_warp_max(m);
    if (threadIdx.x % SL_WARP == 0) wmax[threadIdx.x / SL_WARP] = m;
    __syncthreads();
    m = wmax[0];
    for (int k = 1; k < CE_THREADS / SL_WARP; k++) m = fmaxf(m, wmax[k]);
    double s = 0.0;
    for (int j = threadIdx.x; j < v; j += blockDim.x) s += (double)expf(l[j] - m);
    s = sl_block_sum_double(s, shm);
    if (threadIdx.x == 0) {
        float lz = m + (float)log(s);
        logZ[row] = lz;
        losses[row] = lz - l[targets[row]];
    }
}

// dl_ij = scale·(p_ij − [j = y_i]) + zScale·2·logZ_i·p_ij, p = exp(l − logZ); safe in place
extern "C" __global__ void sl_crossentropy_backward(float* dlogits, const float* logits, const float* logZ,
                                                    const int* targets, int n, int v, float scale,
                                                    float zScale) {
    SL_FOR(i, (long long)n * v) {
        int r = (int)(i / v), j = (int)(i % v);
        float lz = logZ[r];
        float p = expf(logits[i] - lz);
        dlogits[i] = scale * (p - (j == targets[r] ? 1.f : 0.f)) + zScale * 2.f * lz * p;
    }
}
