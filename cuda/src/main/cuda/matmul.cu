// spikelab's own fp32 matrix products, used when cuBLAS 12 cannot be loaded (CUDA 13 machines).
//
// Row-major semantics of Backend.gemm: C = alpha·op(A)·op(B) + beta·C, op(A) M×K, op(B) K×N.
// One block computes a 128×128 (or 128×64) tile of C with 256 threads, each owning an 8×8 (8×4)
// register tile (4×4 quadrants 64 apart, so that shared-memory reads are float4 and conflict
// free). K advances 16 at a time through double-buffered shared memory; the next stage is
// fetched from global memory into registers while the current one is multiplied.
// The TF32 and bf16 tensor-core kernels are in matmul_tensor.cuh.
//
// Determinism: every output element is the sum of its products in increasing k order by one
// thread. Split-K (for products with few output tiles and long K) writes each split's partial
// sums to a workspace and a second kernel adds them in split order: no atomics anywhere.

#include <cstdint>

namespace {

constexpr int BM = 128;
constexpr int BK = 8;
constexpr int PAD = 4;          // keeps transposed stores conflict free and rows 16-byte aligned
constexpr int THREADS = 256;

// A W×8 slab (W = 128 or 64) whose source rows run along M (or N) and columns along K
// ("k-contiguous": A not transposed, or B transposed). Thread t < 2W fetches row t/2,
// k columns (t%2)*4 .. +3. Out-of-range elements read as 0.
template <bool VEC, int W>
__device__ __forceinline__ void fetchKContig(float (&r)[4], const float* __restrict__ src, int ld,
                                             int row0, int rows, int k0, int kEnd) {
    const int t = threadIdx.x;
    if (t >= 2 * W) return;
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

template <int W>
__device__ __forceinline__ void storeKContig(float (*s)[W + PAD], const float (&r)[4]) {
    const int t = threadIdx.x;
    if (t >= 2 * W) return;
#pragma unroll
    for (int j = 0; j < 4; j++) s[(t & 1) * 4 + j][t >> 1] = r[j];
}

// An 8×W slab whose source rows run along K and columns along M (or N) ("mn-contiguous":
// A transposed, or B not transposed). Thread t < 2W fetches k row t/(W/4), columns
// (t%(W/4))*4 .. +3.
template <bool VEC, int W>
__device__ __forceinline__ void fetchMnContig(float (&r)[4], const float* __restrict__ src, int ld,
                                              int col0, int cols, int k0, int kEnd) {
    constexpr int PER = W / 4;
    const int t = threadIdx.x;
    if (t >= 2 * W) return;
    const int krow = k0 + t / PER;
    const int col = col0 + (t % PER) * 4;
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

template <int W>
__device__ __forceinline__ void storeMnContig(float (*s)[W + PAD], const float (&r)[4]) {
    constexpr int PER = W / 4;
    const int t = threadIdx.x;
    if (t >= 2 * W) return;
    *reinterpret_cast<float4*>(&s[t / PER][(t % PER) * 4]) = make_float4(r[0], r[1], r[2], r[3]);
}

// K-contiguous slabs are stored transposed so that both operands sit in shared memory as
// [k][m] and [k][n]: the inner loop then reads float4 along m and n.
template <bool MN_CONTIG, bool VEC, int W>
__device__ __forceinline__ void fetch(float (&r)[4], const float* p, int ld, int off0, int extent,
                                      int k0, int kEnd) {
    if (MN_CONTIG) fetchMnContig<VEC, W>(r, p, ld, off0, extent, k0, kEnd);
    else fetchKContig<VEC, W>(r, p, ld, off0, extent, k0, kEnd);
}

template <bool MN_CONTIG, int W>
__device__ __forceinline__ void store(float (*s)[W + PAD], const float (&r)[4]) {
    if (MN_CONTIG) storeMnContig<W>(s, r);
    else storeKContig<W>(s, r);
}

// c = alpha·acc + beta·c; with beta == 0, c is never read (NaN there must not leak).
__device__ __forceinline__ float epilogue(float acc, float alpha, float beta, const float* c) {
    return beta == 0.f ? alpha * acc : alpha * acc + beta * *c;
}

// blockIdx.z = batch · splits + split. Split s covers k in [s·kChunk, min(k, (s+1)·kChunk)).
// Block tile 128×BN (BN = 128 or 64); thread (tx, ty) = (t%16, t/16) owns rows
// {4ty..4ty+3, 64+4ty..} and columns {4tx..4tx+3, 64+4tx..} (the second group when BN = 128).
template <int BN, int SLABS, bool TA, bool TB, bool VEC>
__device__ __forceinline__ void sgemmBody(int m, int n, int k, int kChunk, int splits, float alpha,
                                          const float* __restrict__ a, int lda, long long strideA,
                                          const float* __restrict__ b, int ldb, long long strideB,
                                          float beta, float* __restrict__ c, int ldc,
                                          long long strideC) {
    constexpr int TN = BN / 16;
    constexpr int HALVES = BN / 64;
    constexpr int KS = BK * SLABS;  // k per shared-memory stage
    __shared__ __align__(16) float As[2][KS][BM + PAD];
    __shared__ __align__(16) float Bs[2][KS][BN + PAD];

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

    float acc[8][TN];
#pragma unroll
    for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < TN; j++) acc[i][j] = 0.f;

    float ra[SLABS][4], rb[SLABS][4];
    int cur = 0;
    if (kBegin < kEnd) {
#pragma unroll
        for (int q = 0; q < SLABS; q++) {
            fetch<TA, VEC, BM>(ra[q], a, lda, m0, m, kBegin + q * BK, kEnd);
            fetch<!TB, VEC, BN>(rb[q], b, ldb, n0, n, kBegin + q * BK, kEnd);
            store<TA, BM>(As[0] + q * BK, ra[q]);
            store<!TB, BN>(Bs[0] + q * BK, rb[q]);
        }
        __syncthreads();
    }
    for (int k0 = kBegin; k0 < kEnd; k0 += KS) {
        const bool more = k0 + KS < kEnd;
        if (more) {
#pragma unroll
            for (int q = 0; q < SLABS; q++) {
                fetch<TA, VEC, BM>(ra[q], a, lda, m0, m, k0 + KS + q * BK, kEnd);
                fetch<!TB, VEC, BN>(rb[q], b, ldb, n0, n, k0 + KS + q * BK, kEnd);
            }
        }
#pragma unroll
        for (int kk = 0; kk < KS; kk++) {
            float fa[8], fb[TN];
            const float4 a0 = *reinterpret_cast<const float4*>(&As[cur][kk][ty * 4]);
            const float4 a1 = *reinterpret_cast<const float4*>(&As[cur][kk][64 + ty * 4]);
            fa[0] = a0.x; fa[1] = a0.y; fa[2] = a0.z; fa[3] = a0.w;
            fa[4] = a1.x; fa[5] = a1.y; fa[6] = a1.z; fa[7] = a1.w;
#pragma unroll
            for (int h = 0; h < HALVES; h++) {
                const float4 bv = *reinterpret_cast<const float4*>(&Bs[cur][kk][h * 64 + tx * 4]);
                fb[h * 4] = bv.x; fb[h * 4 + 1] = bv.y; fb[h * 4 + 2] = bv.z; fb[h * 4 + 3] = bv.w;
            }
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < TN; j++) acc[i][j] = fmaf(fa[i], fb[j], acc[i][j]);
        }
        if (more) {
            // The other buffer was last read before the previous barrier: safe to overwrite.
#pragma unroll
            for (int q = 0; q < SLABS; q++) {
                store<TA, BM>(As[cur ^ 1] + q * BK, ra[q]);
                store<!TB, BN>(Bs[cur ^ 1] + q * BK, rb[q]);
            }
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
        for (int h = 0; h < HALVES; h++) {
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

#include "matmul_tensor.cuh"

// Entry points: nn/nt/tn/tt name (transA, transB); _64 is the 128×64 tile (narrow outputs and
// fuller last waves); _v variants assume 16-byte aligned bases, leading dimensions and batch
// strides that are multiples of 4 (the host checks).
#define SPIKELAB_SGEMM(NAME, BN, SLABS, TA, TB, VEC, MINB)                                             \
    extern "C" __global__ void __launch_bounds__(THREADS, MINB)                                \
    NAME(int m, int n, int k, int kChunk, int splits, float alpha, const float* a, int lda,      \
         long long strideA, const float* b, int ldb, long long strideB, float beta, float* c,    \
         int ldc, long long strideC) {                                                           \
        sgemmBody<BN, SLABS, TA, TB, VEC>(m, n, k, kChunk, splits, alpha, a, lda, strideA, b, ldb,      \
                                   strideB, beta, c, ldc, strideC);                              \
    }

#define SPIKELAB_SGEMM_ALL(PREFIX, BN, SLABS, MINB)                            \
    SPIKELAB_SGEMM(PREFIX##_nn, BN, SLABS, false, false, false, MINB)         \
    SPIKELAB_SGEMM(PREFIX##_nt, BN, SLABS, false, true, false, MINB)          \
    SPIKELAB_SGEMM(PREFIX##_tn, BN, SLABS, true, false, false, MINB)          \
    SPIKELAB_SGEMM(PREFIX##_tt, BN, SLABS, true, true, false, MINB)           \
    SPIKELAB_SGEMM(PREFIX##_nn_v, BN, SLABS, false, false, true, MINB)        \
    SPIKELAB_SGEMM(PREFIX##_nt_v, BN, SLABS, false, true, true, MINB)         \
    SPIKELAB_SGEMM(PREFIX##_tn_v, BN, SLABS, true, false, true, MINB)         \
    SPIKELAB_SGEMM(PREFIX##_tt_v, BN, SLABS, true, true, true, MINB)

// 128×128 and 128×64 tiles with 16-deep stages (two 8-deep slabs: half the barriers and twice
// the loads in flight of 8-deep stages, which measured 5-15% slower on the H100)
SPIKELAB_SGEMM_ALL(spikelab_sgemm, 128, 2, 2)
SPIKELAB_SGEMM_ALL(spikelab_sgemm64, 64, 2, 3)

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

// cuBLAS's bf16 path: dst[i] = the bf16 bits of rnd16(src[i]) (nearest, ties to even, as
// spikelab.backend.Bf16.round), i < n. cublasGemmEx then reads the bf16 copies with the same
// leading dimensions and strides as the fp32 originals.
extern "C" __global__ void spikelab_to_bf16(const float* __restrict__ src, unsigned short* __restrict__ dst,
                                            long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        unsigned short h;
        asm("cvt.rn.bf16.f32 %0, %1;\n" : "=h"(h) : "f"(src[i]));
        dst[i] = h;
    }
}
