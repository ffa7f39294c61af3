// spikelab's own fp32 matrix products, used when cuBLAS 12 cannot be loaded (CUDA 13 machines).
//
// Row-major semantics of Backend.gemm: C = alpha·op(A)·op(B) + beta·C, op(A) M×K, op(B) K×N.
// One block computes a 128×128 tile of C with 256 threads, each owning an 8×8 register tile
// (two 4×4 quadrants 64 apart, so that shared-memory reads are float4 and conflict free).
// K advances 8 at a time through double-buffered shared memory; the next slab is fetched from
// global memory into registers while the current one is multiplied.
//
// Determinism: every output element is the sum of its products in increasing k order by one
// thread. Split-K (for products with few output tiles and long K) writes each split's partial
// sums to a workspace and a second kernel adds them in split order: no atomics anywhere.

#include <cstdint>

namespace {

constexpr int BM = 128;
constexpr int BN = 128;
constexpr int BK = 8;
constexpr int PAD = 4;          // keeps transposed stores conflict free and rows 16-byte aligned
constexpr int THREADS = 256;

// A 128×8 slab whose source rows run along M (or N) and columns along K ("k-contiguous":
// A not transposed, or B transposed). Thread t fetches row t/2, k columns (t%2)*4 .. +3.
template <bool VEC>
__device__ __forceinline__ void fetchKContig(float (&r)[4], const float* __restrict__ src, int ld,
                                             int row0, int rows, int k0, int kEnd) {
    const int t = threadIdx.x;
    const int row = row0 + (t >> 1);
    const int col = k0 + (t & 1) * 4;
    if (row < rows) {
        const float* p = src + (int64_t)row * ld + col;
        if (VEC && col + 3 < kEnd) {
            float4 v = __ldg(reinterpret_cast<const float4*>(p));
            r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
        } else {
#pragma unroll
            for (int j = 0; j < 4; j++) r[j] = (col + j < kEnd) ? __ldg(p + j) : 0.f;
        }
    } else {
#pragma unroll
        for (int j = 0; j < 4; j++) r[j] = 0.f;
    }
}

__device__ __forceinline__ void storeKContig(float (*s)[BM + PAD], const float (&r)[4]) {
    const int t = threadIdx.x;
#pragma unroll
    for (int j = 0; j < 4; j++) s[(t & 1) * 4 + j][t >> 1] = r[j];
}

// An 8×128 slab whose source rows run along K and columns along M (or N) ("mn-contiguous":
// A transposed, or B not transposed). Thread t fetches k row t/32, columns (t%32)*4 .. +3.
template <bool VEC>
__device__ __forceinline__ void fetchMnContig(float (&r)[4], const float* __restrict__ src, int ld,
                                              int col0, int cols, int k0, int kEnd) {
    const int t = threadIdx.x;
    const int krow = k0 + (t >> 5);
    const int col = col0 + (t & 31) * 4;
    if (krow < kEnd) {
        const float* p = src + (int64_t)krow * ld + col;
        if (VEC && col + 3 < cols) {
            float4 v = __ldg(reinterpret_cast<const float4*>(p));
            r[0] = v.x; r[1] = v.y; r[2] = v.z; r[3] = v.w;
        } else {
#pragma unroll
            for (int j = 0; j < 4; j++) r[j] = (col + j < cols) ? __ldg(p + j) : 0.f;
        }
    } else {
#pragma unroll
        for (int j = 0; j < 4; j++) r[j] = 0.f;
    }
}

__device__ __forceinline__ void storeMnContig(float (*s)[BM + PAD], const float (&r)[4]) {
    const int t = threadIdx.x;
    *reinterpret_cast<float4*>(&s[t >> 5][(t & 31) * 4]) = make_float4(r[0], r[1], r[2], r[3]);
}

template <bool TA, bool VEC>
__device__ __forceinline__ void fetchA(float (&r)[4], const float* a, int lda, int m0, int m,
                                       int k0, int kEnd) {
    if (TA) fetchMnContig<VEC>(r, a, lda, m0, m, k0, kEnd);
    else fetchKContig<VEC>(r, a, lda, m0, m, k0, kEnd);
}

template <bool TB, bool VEC>
__device__ __forceinline__ void fetchB(float (&r)[4], const float* b, int ldb, int n0, int n,
                                       int k0, int kEnd) {
    if (TB) fetchKContig<VEC>(r, b, ldb, n0, n, k0, kEnd);
    else fetchMnContig<VEC>(r, b, ldb, n0, n, k0, kEnd);
}

template <bool T>
__device__ __forceinline__ void store(float (*s)[BM + PAD], const float (&r)[4]) {
    if (T) storeMnContig(s, r);
    else storeKContig(s, r);
}

// c = alpha·acc + beta·c; with beta == 0, c is never read (NaN there must not leak).
__device__ __forceinline__ float epilogue(float acc, float alpha, float beta, const float* c) {
    return beta == 0.f ? alpha * acc : alpha * acc + beta * *c;
}

// blockIdx.z = batch · splits + split. Split s covers k in [s·kChunk, min(k, (s+1)·kChunk)).
template <bool TA, bool TB, bool VEC>
__device__ __forceinline__ void sgemmBody(int m, int n, int k, int kChunk, int splits, float alpha,
                                          const float* __restrict__ a, int lda, long long strideA,
                                          const float* __restrict__ b, int ldb, long long strideB,
                                          float beta, float* __restrict__ c, int ldc,
                                          long long strideC) {
    __shared__ __align__(16) float As[2][BK][BM + PAD];
    __shared__ __align__(16) float Bs[2][BK][BN + PAD];

    const int batch = blockIdx.z / splits;
    const int split = blockIdx.z - batch * splits;
    a += batch * strideA;
    b += batch * strideB;
    c += blockIdx.z * strideC;  // batch·strideC normally; split·m·n into the workspace
    const int kBegin = split * kChunk;
    const int kEnd = min(k, kBegin + kChunk);

    const int m0 = blockIdx.y * BM;
    const int n0 = blockIdx.x * BN;
    const int tx = threadIdx.x & 15;
    const int ty = threadIdx.x >> 4;

    float acc[8][8];
#pragma unroll
    for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 8; j++) acc[i][j] = 0.f;

    float ra[4], rb[4];
    int cur = 0;
    if (kBegin < kEnd) {
        fetchA<TA, VEC>(ra, a, lda, m0, m, kBegin, kEnd);
        fetchB<TB, VEC>(rb, b, ldb, n0, n, kBegin, kEnd);
        store<TA>(As[0], ra);
        store<!TB>(Bs[0], rb);
        __syncthreads();
    }
    for (int k0 = kBegin; k0 < kEnd; k0 += BK) {
        const bool more = k0 + BK < kEnd;
        if (more) {
            fetchA<TA, VEC>(ra, a, lda, m0, m, k0 + BK, kEnd);
            fetchB<TB, VEC>(rb, b, ldb, n0, n, k0 + BK, kEnd);
        }
#pragma unroll
        for (int kk = 0; kk < BK; kk++) {
            float fa[8], fb[8];
            const float4 a0 = *reinterpret_cast<const float4*>(&As[cur][kk][ty * 4]);
            const float4 a1 = *reinterpret_cast<const float4*>(&As[cur][kk][64 + ty * 4]);
            const float4 b0 = *reinterpret_cast<const float4*>(&Bs[cur][kk][tx * 4]);
            const float4 b1 = *reinterpret_cast<const float4*>(&Bs[cur][kk][64 + tx * 4]);
            fa[0] = a0.x; fa[1] = a0.y; fa[2] = a0.z; fa[3] = a0.w;
            fa[4] = a1.x; fa[5] = a1.y; fa[6] = a1.z; fa[7] = a1.w;
            fb[0] = b0.x; fb[1] = b0.y; fb[2] = b0.z; fb[3] = b0.w;
            fb[4] = b1.x; fb[5] = b1.y; fb[6] = b1.z; fb[7] = b1.w;
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 8; j++) acc[i][j] = fmaf(fa[i], fb[j], acc[i][j]);
        }
        if (more) {
            // The other buffer was last read before the previous barrier: safe to overwrite.
            store<TA>(As[cur ^ 1], ra);
            store<!TB>(Bs[cur ^ 1], rb);
        }
        __syncthreads();
        cur ^= 1;
    }

    const bool vecC = VEC && ((ldc & 3) == 0) && ((reinterpret_cast<uintptr_t>(c) & 15) == 0);
#pragma unroll
    for (int i = 0; i < 8; i++) {
        const int row = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4));
        if (row >= m) continue;
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int col = n0 + h * 64 + tx * 4;
            float* p = c + (int64_t)row * ldc + col;
            if (vecC && col + 3 < n) {
                float4 v;
                if (beta == 0.f) {
                    v = make_float4(alpha * acc[i][h * 4], alpha * acc[i][h * 4 + 1],
                                    alpha * acc[i][h * 4 + 2], alpha * acc[i][h * 4 + 3]);
                } else {
                    const float4 o = *reinterpret_cast<const float4*>(p);
                    v = make_float4(alpha * acc[i][h * 4] + beta * o.x,
                                    alpha * acc[i][h * 4 + 1] + beta * o.y,
                                    alpha * acc[i][h * 4 + 2] + beta * o.z,
                                    alpha * acc[i][h * 4 + 3] + beta * o.w);
                }
                *reinterpret_cast<float4*>(p) = v;
            } else {
#pragma unroll
                for (int j = 0; j < 4; j++)
                    if (col + j < n) p[j] = epilogue(acc[i][h * 4 + j], alpha, beta, p + j);
            }
        }
    }
}

}  // namespace

// Entry points: nn/nt/tn/tt name (transA, transB); the _v variants assume 16-byte aligned
// bases, leading dimensions and batch strides that are multiples of 4 (the host checks).
#define SPIKELAB_SGEMM(NAME, TA, TB, VEC)                                                        \
    extern "C" __global__ void __launch_bounds__(THREADS, 2)                                   \
    NAME(int m, int n, int k, int kChunk, int splits, float alpha, const float* a, int lda,      \
         long long strideA, const float* b, int ldb, long long strideB, float beta, float* c,    \
         int ldc, long long strideC) {                                                           \
        sgemmBody<TA, TB, VEC>(m, n, k, kChunk, splits, alpha, a, lda, strideA, b, ldb, strideB, \
                               beta, c, ldc, strideC);                                           \
    }

SPIKELAB_SGEMM(spikelab_sgemm_nn, false, false, false)
SPIKELAB_SGEMM(spikelab_sgemm_nt, false, true, false)
SPIKELAB_SGEMM(spikelab_sgemm_tn, true, false, false)
SPIKELAB_SGEMM(spikelab_sgemm_tt, true, true, false)
SPIKELAB_SGEMM(spikelab_sgemm_nn_v, false, false, true)
SPIKELAB_SGEMM(spikelab_sgemm_nt_v, false, true, true)
SPIKELAB_SGEMM(spikelab_sgemm_tn_v, true, false, true)
SPIKELAB_SGEMM(spikelab_sgemm_tt_v, true, true, true)

// Split-K second pass: c[r,j] = alpha·Σ_s part[s][r,j] (s ascending) + beta·c[r,j].
// part is [splits][m][n] dense.
extern "C" __global__ void spikelab_sgemm_splitk_reduce(int m, int n, int splits, float alpha,
                                                        const float* __restrict__ part, float beta,
                                                        float* __restrict__ c, int ldc) {
    const int64_t total = (int64_t)m * n;
    const int64_t plane = total;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        float s = 0.f;
        for (int p = 0; p < splits; p++) s += part[p * plane + i];
        const int64_t row = i / n;
        const int col = (int)(i - row * n);
        float* q = c + row * ldc + col;
        *q = epilogue(s, alpha, beta, q);
    }
}
