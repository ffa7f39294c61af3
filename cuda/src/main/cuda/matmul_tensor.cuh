// Tensor-core products: TF32 (--precision tf32 when cuBLAS is unavailable) and bf16 mixed precision
// (--precision bf16). Included by matmul.cu.
//
// Block tile 128×128×16, 8 warps as 2 (m) × 4 (n), each warp 64×32 = 4×4 mma.sync tiles of 16×8,
// fp32 accumulators. Operands are copied to shared memory unchanged, as fp32, with cp.async
// (16-byte copies when aligned, 4-byte otherwise; out of range reads zero-fill), three stages
// deep, and rounded when the warp builds its fragments:
//   TF32: two m16n8k8 per 16-deep slab, inputs rounded to nearest (ties away) by cvt.rna;
//   bf16: one m16n8k16 per slab, inputs rounded to nearest, ties to even, by cvt.rn.bf16x2, which
//         is spikelab.backend.Bf16.round bit for bit (NaN stays NaN, overflow goes to ±inf). A
//         product of two bf16 values is exact in fp32, so the kernel computes the CPU's emulation
//         Σ rnd16(a)·rnd16(b) up to the order of the fp32 sums.
// Shared-memory layouts mirror global memory:
//   k-contiguous operand (A not transposed, B transposed): [128][16 + 4]
//   mn-contiguous operand (A transposed, B not transposed): [16][128 + 8]
// The paddings make every TF32 fragment load conflict free: lane (g = lane/4, t = lane%4) reads
// (row g, k t), at bank 20g + t or 8t + g (mod 32), all distinct. bf16 fragments read k pairs
// (2t, 2t+1) and have 2-way conflicts in places; keeping operands fp32 in shared memory costs
// bandwidth that a bf16 staging layout (and ldmatrix) would save — not done yet.
// Deterministic: each accumulator sums its k in a fixed order; split-K as in the fp32 kernel.

namespace tc {

constexpr int BM = 128, BN = 128, BK = 16, STAGES = 3, THREADS = 256;
constexpr int KC_LD = BK + 4;    // row stride of a k-contiguous tile
constexpr int MC_LD = BM + 8;    // row stride of an mn-contiguous tile
constexpr int TILE_FLOATS = (BM * KC_LD > BK * MC_LD) ? BM * KC_LD : BK * MC_LD;
constexpr int SMEM_BYTES = STAGES * 2 * TILE_FLOATS * 4;

__device__ __forceinline__ void cpAsync16(float* dst, const float* src, int bytes) {
    unsigned d = static_cast<unsigned>(__cvta_generic_to_shared(dst));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src), "r"(bytes));
}

__device__ __forceinline__ void cpAsync4(float* dst, const float* src, int bytes) {
    unsigned d = static_cast<unsigned>(__cvta_generic_to_shared(dst));
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(d), "l"(src), "r"(bytes));
}

__device__ __forceinline__ void cpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::); }

template <int N>
__device__ __forceinline__ void cpAsyncWait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

// Queues the copy of one 128×16 (or 16×128) slab of an operand. extent bounds the m/n axis.
template <bool MN_CONTIG, bool VEC>
__device__ __forceinline__ void loadTile(float* s, const float* __restrict__ src, int ld, int off0,
                                         int extent, int k0, int kEnd) {
    const int t = threadIdx.x;
    if (VEC) {
#pragma unroll
        for (int i = 0; i < 2; i++) {
            const int idx = t + i * THREADS;  // 512 float4 per slab
            int row, col, valid;
            float* dst;
            if (MN_CONTIG) {
                const int kr = idx >> 5, c4 = (idx & 31) * 4;
                row = k0 + kr; col = off0 + c4;
                valid = row < kEnd ? min(4, max(0, extent - col)) : 0;
                dst = s + kr * MC_LD + c4;
            } else {
                const int r = idx >> 2, c4 = (idx & 3) * 4;
                row = off0 + r; col = k0 + c4;
                valid = row < extent ? min(4, max(0, kEnd - col)) : 0;
                dst = s + r * KC_LD + c4;
            }
            cpAsync16(dst, valid > 0 ? src + (int64_t)row * ld + col : src, valid * 4);
        }
    } else {
#pragma unroll
        for (int i = 0; i < 8; i++) {
            const int idx = t + i * THREADS;  // 2048 floats per slab
            int row, col;
            bool ok;
            float* dst;
            if (MN_CONTIG) {
                const int kr = idx >> 7, c = idx & 127;
                row = k0 + kr; col = off0 + c;
                ok = row < kEnd && col < extent;
                dst = s + kr * MC_LD + c;
            } else {
                const int r = idx >> 4, c = idx & 15;
                row = off0 + r; col = k0 + c;
                ok = row < extent && col < kEnd;
                dst = s + r * KC_LD + c;
            }
            cpAsync4(dst, ok ? src + (int64_t)row * ld + col : src, ok ? 4 : 0);
        }
    }
}

// Element (mn, kk) of a slab in shared memory, rounded to tf32.
template <bool MN_CONTIG>
__device__ __forceinline__ unsigned frag(const float* s, int mn, int kk) {
    const float x = MN_CONTIG ? s[kk * MC_LD + mn] : s[mn * KC_LD + kk];
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(x));
    return r;
}

// Elements (mn, kk) and (mn, kk + 1) of a slab, rounded to bf16 and packed as one mma operand
// register: the lower k in the low half (cvt's first source goes to the high half).
template <bool MN_CONTIG>
__device__ __forceinline__ unsigned bf16Pair(const float* s, int mn, int kk) {
    float lo, hi;
    if (MN_CONTIG) {
        lo = s[kk * MC_LD + mn];
        hi = s[(kk + 1) * MC_LD + mn];
    } else {
        const float2 v = *reinterpret_cast<const float2*>(s + mn * KC_LD + kk);  // kk even: 8-byte aligned
        lo = v.x;
        hi = v.y;
    }
    unsigned r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

template <bool BF16, bool TA, bool TB, bool VEC>
__device__ __forceinline__ void gemmBody(int m, int n, int k, int kChunk, int splits, float alpha,
                                         const float* __restrict__ a, int lda, long long strideA,
                                         const float* __restrict__ b, int ldb, long long strideB,
                                         float beta, float* __restrict__ c, int ldc,
                                         long long strideC) {
    extern __shared__ __align__(16) float smem[];
    float* As = smem;                              // STAGES tiles
    float* Bs = smem + STAGES * TILE_FLOATS;       // STAGES tiles

    const int batch = blockIdx.z / splits;
    const int split = blockIdx.z - batch * splits;
    a += batch * strideA;
    b += batch * strideB;
    c += blockIdx.z * strideC;
    const int kBegin = split * kChunk;
    const int kEnd = min(k, kBegin + kChunk);
    const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int wm = (warp >> 2) * 64, wn = (warp & 3) * 32;
    const int g = lane >> 2, t = lane & 3;

    float acc[4][4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int e = 0; e < 4; e++) acc[i][j][e] = 0.f;

    const int tiles = kEnd > kBegin ? (kEnd - kBegin + BK - 1) / BK : 0;
#pragma unroll
    for (int st = 0; st < STAGES - 1; st++) {
        if (st < tiles) {
            loadTile<TA, VEC>(As + st * TILE_FLOATS, a, lda, m0, m, kBegin + st * BK, kEnd);
            loadTile<!TB, VEC>(Bs + st * TILE_FLOATS, b, ldb, n0, n, kBegin + st * BK, kEnd);
        }
        cpAsyncCommit();
    }
    for (int kt = 0; kt < tiles; kt++) {
        cpAsyncWait<STAGES - 2>();
        __syncthreads();  // tile kt is visible to all; every warp is done with tile kt-1
        const int next = kt + STAGES - 1;
        if (next < tiles) {
            const int st = next % STAGES;
            loadTile<TA, VEC>(As + st * TILE_FLOATS, a, lda, m0, m, kBegin + next * BK, kEnd);
            loadTile<!TB, VEC>(Bs + st * TILE_FLOATS, b, ldb, n0, n, kBegin + next * BK, kEnd);
        }
        cpAsyncCommit();
        const float* sa = As + (kt % STAGES) * TILE_FLOATS;
        const float* sb = Bs + (kt % STAGES) * TILE_FLOATS;
        if constexpr (BF16) {
            // m16n8k16: A register q holds rows g (+8 for q odd), k 2t, 2t+1 (+8 for q ≥ 2);
            // B register q holds column g, k 2t, 2t+1 (+8 for q = 1)
            unsigned fa[4][4], fb[4][2];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                const int r = wm + i * 16 + g;
                fa[i][0] = bf16Pair<TA>(sa, r, 2 * t);
                fa[i][1] = bf16Pair<TA>(sa, r + 8, 2 * t);
                fa[i][2] = bf16Pair<TA>(sa, r, 2 * t + 8);
                fa[i][3] = bf16Pair<TA>(sa, r + 8, 2 * t + 8);
            }
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const int cn = wn + j * 8 + g;
                fb[j][0] = bf16Pair<!TB>(sb, cn, 2 * t);
                fb[j][1] = bf16Pair<!TB>(sb, cn, 2 * t + 8);
            }
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++)
                    asm volatile(
                        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                        "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                        : "+f"(acc[i][j][0]), "+f"(acc[i][j][1]), "+f"(acc[i][j][2]), "+f"(acc[i][j][3])
                        : "r"(fa[i][0]), "r"(fa[i][1]), "r"(fa[i][2]), "r"(fa[i][3]),
                          "r"(fb[j][0]), "r"(fb[j][1]));
        } else {
#pragma unroll
            for (int ks = 0; ks < BK; ks += 8) {
                unsigned fa[4][4], fb[4][2];
#pragma unroll
                for (int i = 0; i < 4; i++) {
                    const int r = wm + i * 16 + g;
                    fa[i][0] = frag<TA>(sa, r, ks + t);
                    fa[i][1] = frag<TA>(sa, r + 8, ks + t);
                    fa[i][2] = frag<TA>(sa, r, ks + t + 4);
                    fa[i][3] = frag<TA>(sa, r + 8, ks + t + 4);
                }
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    const int cn = wn + j * 8 + g;
                    fb[j][0] = frag<!TB>(sb, cn, ks + t);
                    fb[j][1] = frag<!TB>(sb, cn, ks + t + 4);
                }
#pragma unroll
                for (int i = 0; i < 4; i++)
#pragma unroll
                    for (int j = 0; j < 4; j++)
                        asm volatile(
                            "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
                            "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                            : "+f"(acc[i][j][0]), "+f"(acc[i][j][1]), "+f"(acc[i][j][2]), "+f"(acc[i][j][3])
                            : "r"(fa[i][0]), "r"(fa[i][1]), "r"(fa[i][2]), "r"(fa[i][3]),
                              "r"(fb[j][0]), "r"(fb[j][1]));
            }
        }
    }
    cpAsyncWait<0>();

    // accumulator e of tile (i, j) is C(row g + 8·(e/2), column 2t + e%2) of that 16×8 tile
#pragma unroll
    for (int i = 0; i < 4; i++) {
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int row = m0 + wm + i * 16 + g + h * 8;
            if (row >= m) continue;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const int col = n0 + wn + j * 8 + 2 * t;
                float* p = c + (int64_t)row * ldc + col;
                if (col < n) p[0] = epilogue(acc[i][j][2 * h], alpha, beta, p);
                if (col + 1 < n) p[1] = epilogue(acc[i][j][2 * h + 1], alpha, beta, p + 1);
            }
        }
    }
}

}  // namespace tc

#define SPIKELAB_TC(NAME, BF16, TA, TB, VEC)                                                     \
    extern "C" __global__ void __launch_bounds__(tc::THREADS, 2)                                \
    NAME(int m, int n, int k, int kChunk, int splits, float alpha, const float* a, int lda,      \
         long long strideA, const float* b, int ldb, long long strideB, float beta, float* c,    \
         int ldc, long long strideC) {                                                           \
        tc::gemmBody<BF16, TA, TB, VEC>(m, n, k, kChunk, splits, alpha, a, lda, strideA, b, ldb, \
                                        strideB, beta, c, ldc, strideC);                         \
    }

SPIKELAB_TC(spikelab_tf32gemm_nn, false, false, false, false)
SPIKELAB_TC(spikelab_tf32gemm_nt, false, false, true, false)
SPIKELAB_TC(spikelab_tf32gemm_tn, false, true, false, false)
SPIKELAB_TC(spikelab_tf32gemm_tt, false, true, true, false)
SPIKELAB_TC(spikelab_tf32gemm_nn_v, false, false, false, true)
SPIKELAB_TC(spikelab_tf32gemm_nt_v, false, false, true, true)
SPIKELAB_TC(spikelab_tf32gemm_tn_v, false, true, false, true)
SPIKELAB_TC(spikelab_tf32gemm_tt_v, false, true, true, true)
SPIKELAB_TC(spikelab_bf16gemm_nn, true, false, false, false)
SPIKELAB_TC(spikelab_bf16gemm_nt, true, false, true, false)
SPIKELAB_TC(spikelab_bf16gemm_tn, true, true, false, false)
SPIKELAB_TC(spikelab_bf16gemm_tt, true, true, true, false)
SPIKELAB_TC(spikelab_bf16gemm_nn_v, true, false, false, true)
SPIKELAB_TC(spikelab_bf16gemm_nt_v, true, false, true, true)
SPIKELAB_TC(spikelab_bf16gemm_tn_v, true, true, false, true)
SPIKELAB_TC(spikelab_bf16gemm_tt_v, true, true, true, true)
