// LayerNorm over rows of C, eps 1e-5. One warp per row; row sums are warp-shuffle trees.
#include "common.cuh"

#define LN_EPS 1e-5f

// μ = mean(x), rstd = 1/√(mean((x−μ)²) + eps), y = (x − μ)·rstd·w + b
extern "C" __global__ void sl_layernorm_forward(float* out, float* mean, float* rstd, const float* x,
                                                const float* w, const float* bias, int n, int c) {
    int row = blockIdx.x * (blockDim.x / SL_WARP) + threadIdx.x / SL_WARP;
    int lane = threadIdx.x % SL_WARP;
    if (row >= n) return;
    const float* xr = x + (long long)row * c;
    float s = 0.f;
    for (int i = lane; i < c; i += SL_WARP) s += xr[i];
    float mu = sl_warp_sum(s) / c;
    float v = 0.f;
    for (int i = lane; i < c; i += SL_WARP) {
        float d = xr[i] - mu;
        v += d * d;
    }
    float rs = (float)(1.0 / sqrt((double)(sl_warp_sum(v) / c + LN_EPS)));
    float* o = out + (long long)row * c;
    for (int i = lane; i < c; i += SL_WARP) o[i] = (xr[i] - mu) * rs * w[i] + bias[i];
    if (lane == 0) {
        mean[row] = mu;
        rstd[row] = rs;
    }
}

// With x̂ = (x − μ)·rstd and g = dy ⊙ w:  dx += rstd·(g − mean(g) − x̂·mean(g ⊙ x̂))
extern "C" __global__ void sl_layernorm_backward_dx(float* dx, const float* dy, const float* x,
                                                    const float* w, const float* mean,
                                                    const float* rstd, int n, int c) {
    int row = blockIdx.x * (blockDim.x / SL_WARP) + threadIdx.x / SL_WARP;
    int lane = threadIdx.x % SL_WARP;
    if (row >= n) return;
    long long base = (long long)row * c;
    float mu = mean[row], rs = rstd[row];
    float gs = 0.f, gxs = 0.f;
    for (int i = lane; i < c; i += SL_WARP) {
        float g = dy[base + i] * w[i];
        gs += g;
        gxs += g * (x[base + i] - mu) * rs;
    }
    float gMean = sl_warp_sum(gs) / c, gxMean = sl_warp_sum(gxs) / c;
    for (int i = lane; i < c; i += SL_WARP) {
        float xh = (x[base + i] - mu) * rs;
        float g = dy[base + i] * w[i];
        dx[base + i] += rs * (g - gMean - xh * gxMean);
    }
}

// dw = Σ_rows dy ⊙ x̂, db = Σ_rows dy, in two passes with a fixed shape: block (32 columns ×
// 8 row lanes) sums rows [chunk·rowsPerChunk, ...) of its columns into part[chunk][0|1][c];
// sl_layernorm_backward_params_finish then adds the chunks in chunk order.
extern "C" __global__ void sl_layernorm_backward_params_partial(float* part, const float* dy,
                                                                const float* x, const float* mean,
                                                                const float* rstd, int n, int c,
                                                                int rowsPerChunk) {
    __shared__ float sw[8][33], sb[8][33];
    int col = blockIdx.x * 32 + threadIdx.x;
    int chunk = blockIdx.y;
    int r0 = chunk * rowsPerChunk, r1 = min(n, r0 + rowsPerChunk);
    float aw = 0.f, ab = 0.f;
    if (col < c) {
        for (int r = r0 + threadIdx.y; r < r1; r += 8) {
            long long k = (long long)r * c + col;
            float d = dy[k];
            aw += d * (x[k] - mean[r]) * rstd[r];
            ab += d;
        }
    }
    sw[threadIdx.y][threadIdx.x] = aw;
    sb[threadIdx.y][threadIdx.x] = ab;
    __syncthreads();
    if (threadIdx.y == 0 && col < c) {
        float tw = 0.f, tb = 0.f;
        for (int k = 0; k < 8; k++) {
            tw += sw[k][threadIdx.x];
            tb += sb[k][threadIdx.x];
        }
        part[(long long)chunk * 2 * c + col] = tw;
        part[(long long)chunk * 2 * c + c + col] = tb;
    }
}

extern "C" __global__ void sl_layernorm_backward_params_finish(float* dw, float* db, const float* part,
                                                               int chunks, int c) {
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    if (col >= c) return;
    float tw = 0.f, tb = 0.f;
    for (int k = 0; k < chunks; k++) {
        tw += part[(long long)k * 2 * c + col];
        tb += part[(long long)k * 2 * c + c + col];
    }
    dw[col] += tw;
    db[col] += tb;
}
