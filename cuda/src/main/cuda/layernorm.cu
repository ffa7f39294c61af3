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

// ---- QK-norm: LayerNorm of each head's q (part 0) or k (part 1) inside packed qkv rows [N,3C] ----
// Piece p = r·H + j is head j of row r: hs = C/H values at r·3C + part·C + j·hs. Weight and
// bias [hs] are shared by the heads. One warp per piece, as sl_layernorm_forward per row.

__device__ __forceinline__ long long sl_head_piece(int p, int c, int h, int part) {
    int hs = c / h;
    return (long long)(p / h) * 3 * c + (long long)part * c + (long long)(p % h) * hs;
}

// μ = mean(x), rstd = 1/√(mean((x−μ)²) + eps), y = (x − μ)·rstd·w + b per piece
extern "C" __global__ void sl_headnorm_forward(float* out, float* mean, float* rstd, const float* x,
                                               const float* w, const float* bias, int n, int c, int h,
                                               int part) {
    int piece = blockIdx.x * (blockDim.x / SL_WARP) + threadIdx.x / SL_WARP;
    int lane = threadIdx.x % SL_WARP;
    if (piece >= n * h) return;
    int hs = c / h;
    long long base = sl_head_piece(piece, c, h, part);
    float s = 0.f;
    for (int i = lane; i < hs; i += SL_WARP) s += x[base + i];
    float mu = sl_warp_sum(s) / hs;
    float v = 0.f;
    for (int i = lane; i < hs; i += SL_WARP) {
        float d = x[base + i] - mu;
        v += d * d;
    }
    float rs = (float)(1.0 / sqrt((double)(sl_warp_sum(v) / hs + LN_EPS)));
    for (int i = lane; i < hs; i += SL_WARP) out[base + i] = (x[base + i] - mu) * rs * w[i] + bias[i];
    if (lane == 0) {
        mean[piece] = mu;
        rstd[piece] = rs;
    }
}

// With x̂ = (x − μ)·rstd and g = dy ⊙ w:  dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)), overwritten
extern "C" __global__ void sl_headnorm_backward_dx(float* dx, const float* dy, const float* x,
                                                   const float* w, const float* mean, const float* rstd,
                                                   int n, int c, int h, int part) {
    int piece = blockIdx.x * (blockDim.x / SL_WARP) + threadIdx.x / SL_WARP;
    int lane = threadIdx.x % SL_WARP;
    if (piece >= n * h) return;
    int hs = c / h;
    long long base = sl_head_piece(piece, c, h, part);
    float mu = mean[piece], rs = rstd[piece];
    float gs = 0.f, gxs = 0.f;
    for (int i = lane; i < hs; i += SL_WARP) {
        float g = dy[base + i] * w[i];
        gs += g;
        gxs += g * (x[base + i] - mu) * rs;
    }
    float gMean = sl_warp_sum(gs) / hs, gxMean = sl_warp_sum(gxs) / hs;
    for (int i = lane; i < hs; i += SL_WARP) {
        float xh = (x[base + i] - mu) * rs;
        float g = dy[base + i] * w[i];
        dx[base + i] = rs * (g - gMean - xh * gxMean);
    }
}

// dw = Σ_pieces dy ⊙ x̂, db = Σ_pieces dy over the hs columns, first pass: as
// sl_layernorm_backward_params_partial with pieces for rows; sl_layernorm_backward_params_finish
// (with c = hs) adds the chunks in chunk order.
extern "C" __global__ void sl_headnorm_backward_params_partial(float* part, const float* dy,
                                                               const float* x, const float* mean,
                                                               const float* rstd, int n, int c, int h,
                                                               int qk, int piecesPerChunk) {
    __shared__ float sw[8][33], sb[8][33];
    int hs = c / h;
    int col = blockIdx.x * 32 + threadIdx.x;
    int chunk = blockIdx.y;
    int p0 = chunk * piecesPerChunk, p1 = min(n * h, p0 + piecesPerChunk);
    float aw = 0.f, ab = 0.f;
    if (col < hs) {
        for (int p = p0 + threadIdx.y; p < p1; p += 8) {
            long long k = sl_head_piece(p, c, h, qk) + col;
            float d = dy[k];
            aw += d * (x[k] - mean[p]) * rstd[p];
            ab += d;
        }
    }
    sw[threadIdx.y][threadIdx.x] = aw;
    sb[threadIdx.y][threadIdx.x] = ab;
    __syncthreads();
    if (threadIdx.y == 0 && col < hs) {
        float tw = 0.f, tb = 0.f;
        for (int k = 0; k < 8; k++) {
            tw += sw[k][threadIdx.x];
            tb += sb[k][threadIdx.x];
        }
        part[(long long)chunk * 2 * hs + col] = tw;
        part[(long long)chunk * 2 * hs + hs + col] = tb;
    }
}
