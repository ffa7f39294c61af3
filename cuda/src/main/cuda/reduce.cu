// Deterministic reductions: sums in double over fixed 4096-element chunks (one block each,
// fixed tree), then per-segment sums of the chunk partials (fixed tree again). The chunking
// depends only on the segment lengths, never on the launch.
#include "common.cuh"

#define RED_THREADS 256

// partial[k] = Σ over chunk k of x (or x²); chunk k is [start[k], start[k] + len[k])
extern "C" __global__ void sl_reduce_chunks(double* partial, const float* x, const long long* start,
                                            const int* len, int squares) {
    __shared__ double shm[RED_THREADS];
    int k = blockIdx.x;
    const float* p = x + start[k];
    int n = len[k];
    double acc = 0.0;
    if (squares) {
        for (int i = threadIdx.x; i < n; i += RED_THREADS) acc += (double)p[i] * (double)p[i];
    } else {
        for (int i = threadIdx.x; i < n; i += RED_THREADS) acc += (double)p[i];
    }
    acc = sl_block_sum_double(acc, shm);
    if (threadIdx.x == 0) partial[k] = acc;
}

// out[s] = Σ partial[first[s] .. first[s+1])
extern "C" __global__ void sl_reduce_segments(double* out, const double* partial, const int* first) {
    __shared__ double shm[RED_THREADS];
    int s = blockIdx.x;
    double acc = 0.0;
    for (int k = first[s] + threadIdx.x; k < first[s + 1]; k += RED_THREADS) acc += partial[k];
    acc = sl_block_sum_double(acc, shm);
    if (threadIdx.x == 0) out[s] = acc;
}

// out[j] = max_i |x[i,j]| over a chunk of rows, merged with atomicMax on the float's bits: for
// non-negative floats the int order is the float order (and a NaN's bits sort above +inf), and
// max does not depend on the order of merging, so the result is deterministic. out starts at 0.
extern "C" __global__ void sl_column_absmax(int* out, const float* x, int rows, int cols, int rowsPerBlock) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= cols) return;
    int r0 = blockIdx.y * rowsPerBlock, r1 = min(rows, r0 + rowsPerBlock);
    float m = 0.f;
    for (int r = r0; r < r1; r++) m = sl_max_nan(m, fabsf(x[(long long)r * cols + j]));
    atomicMax(out + j, __float_as_int(m));
}
