// Helpers shared by spikelab's kernels. Every reduction here is a fixed tree over a fixed
// launch shape, so the same inputs give the same bits on every run (no float atomics).
#pragma once

#define SL_WARP 32

// max that lets NaN win, so a broken value is never hidden behind a finite one
__device__ __forceinline__ float sl_max_nan(float a, float b) {
    return (b > a || b != b) ? b : a;
}

__device__ __forceinline__ float sl_warp_sum(float v) {
    for (int o = SL_WARP / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float sl_warp_max(float v) {
    for (int o = SL_WARP / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

__device__ __forceinline__ float sl_warp_max_nan(float v) {
    for (int o = SL_WARP / 2; o > 0; o >>= 1) v = sl_max_nan(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Block-wide double sum through shared memory; blockDim.x must be a power of two <= 1024.
__device__ __forceinline__ double sl_block_sum_double(double v, double* shm) {
    int tid = threadIdx.x;
    shm[tid] = v;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s) shm[tid] += shm[tid + s];
        __syncthreads();
    }
    double r = shm[0];
    __syncthreads();
    return r;
}

// Grid-stride loop over a long range.
#define SL_FOR(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)gridDim.x * blockDim.x)
