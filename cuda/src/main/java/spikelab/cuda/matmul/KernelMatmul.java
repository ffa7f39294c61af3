package spikelab.cuda.matmul;

import static jcuda.driver.JCudaDriver.cuCtxGetDevice;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuOccupancyMaxActiveBlocksPerMultiprocessor;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import spikelab.backend.Precision;
import spikelab.cuda.CaptureFence;
import spikelab.cuda.Ptx;

/**
 * spikelab's own SGEMM kernels ({@code matmul.cu}): used where cuBLAS 12 cannot be loaded.
 * Every output element is summed by one thread in k order, so results are deterministic; long
 * products with few output tiles are split along K into a workspace and reduced in split order
 * (no atomics) so that they still fill the GPU.
 */
final class KernelMatmul implements Matmul {
    private static final int TILE = 128;
    private static final int THREADS = 256;
    /** K granule of every kernel (the TF32 slab depth); split boundaries fall on it. */
    private static final int K_GRANULE = 16;
    private static final int MAX_GRID_Y = 65535;
    private static final int MAX_GRID_Z = 65535;
    /** Each split keeps at least this much K so that the extra workspace pass stays cheap. */
    private static final int MIN_SPLIT_K = 256;
    private static final int MAX_SPLITS = 16;
    /** Block start-up and epilogue, in k steps (a guess; see NOTES-matmul.md). */
    private static final int BLOCK_OVERHEAD_K = 32;
    /** Split-K workspace cap: 64 MiB. */
    private static final long MAX_WORKSPACE_FLOATS = 16L << 20;
    /** Tensor-core kernels' dynamic shared memory (TF32 and bf16): 3 stages × 2 operands × 128·20 floats. */
    private static final int TENSOR_SMEM_BYTES = 3 * 2 * 128 * 20 * 4;

    /** One kernel family: 8 entry points ([vec][transA][transB]) sharing a tile shape. */
    private static final class Family {
        final CUfunction[][][] f = new CUfunction[2][2][2];
        final int tileN;
        final int smem;
        /** Resident blocks per SM, and on the whole GPU. */
        int perSm;
        int resident;

        Family(CUmodule module, String prefix, int tileN, int smem) {
            this.tileN = tileN;
            this.smem = smem;
            for (int v = 0; v < 2; v++) {
                for (int ta = 0; ta < 2; ta++) {
                    for (int tb = 0; tb < 2; tb++) {
                        String name = prefix + "_" + (ta == 1 ? "t" : "n") + (tb == 1 ? "t" : "n")
                                + (v == 1 ? "_v" : "");
                        f[v][ta][tb] = Ptx.function(module, name);
                        if (smem > 48 * 1024) {
                            cuFuncSetAttribute(f[v][ta][tb],
                                    CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem);
                        }
                    }
                }
            }
        }
    }

    private final CUstream stream;
    private final Precision precision;
    private final String reason;
    private final CUmodule module;
    private final Family wide;
    private final Family narrow;
    private final Family tf32;
    private final Family bf16;
    private final CUfunction reduce;
    /** For benchmarks and tests: "wide" (128×128) or "narrow" (128×64) pins the fp32 tile; null chooses. */
    String forcedTiles;
    private CUdeviceptr workspace;
    private long workspaceFloats;
    private long releases;
    private boolean closed;

    /**
     * @param precision fp32 (CUDA cores), tf32 (tensor cores, about 10 mantissa bits per input) or
     *        bf16 (tensor cores, inputs rounded to bf16 as {@link spikelab.backend.Bf16#round}, fp32 sums)
     * @param reason why cuBLAS is not used, for {@link #describe()} (may be null)
     */
    KernelMatmul(CUstream stream, Precision precision, String reason) {
        if (precision.bf16Outputs()) throw new IllegalArgumentException("bf16-autocast is a CPU emulation mode, not a product kind");
        JCudaDriver.setExceptionsEnabled(true);
        this.stream = stream;
        this.precision = precision;
        this.reason = reason;
        this.module = Ptx.load("matmul");
        wide = new Family(module, "spikelab_sgemm", 128, 0);
        narrow = new Family(module, "spikelab_sgemm64", 64, 0);
        tf32 = new Family(module, "spikelab_tf32gemm", 128, TENSOR_SMEM_BYTES);
        bf16 = new Family(module, "spikelab_bf16gemm", 128, TENSOR_SMEM_BYTES);
        reduce = Ptx.function(module, "spikelab_sgemm_splitk_reduce");
        CUdevice dev = new CUdevice();
        cuCtxGetDevice(dev);
        int[] sms = new int[1];
        cuDeviceGetAttribute(sms, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
        for (Family fam : new Family[] {wide, narrow, tf32, bf16}) {
            int[] perSm = new int[1];
            cuOccupancyMaxActiveBlocksPerMultiprocessor(perSm, fam.f[1][0][0], THREADS, fam.smem);
            fam.perSm = Math.max(1, perSm[0]);
            fam.resident = sms[0] * fam.perSm;
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Pointer a, int lda, Pointer b, int ldb, float beta, Pointer c, int ldc) {
        MatmulArgs.check(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0) return;
        checkGrid(m);
        Family fam = family(m, n, 1);
        int splits = fam.tileN == TILE ? chooseSplits(m, n, k, fam.resident) : 1;
        if (splits == 1) {
            launch(fam, transA, transB, m, n, k, k, 1, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1);
            return;
        }
        int kChunk = roundUp(ceilDiv(k, splits), K_GRANULE);
        splits = ceilDiv(k, kChunk);
        long plane = (long) m * n;
        CUdeviceptr part = workspace(plane * splits);
        launch(fam, transA, transB, m, n, k, kChunk, splits, 1f, a, lda, 0, b, ldb, 0, 0f, part, n, plane, 1);
        int blocks = (int) Math.min(ceilDiv(plane, THREADS), fam.resident * 4L);
        cuLaunchKernel(reduce, blocks, 1, 1, THREADS, 1, 1, 0, stream, Pointer.to(
                Pointer.to(new int[] {m}), Pointer.to(new int[] {n}), Pointer.to(new int[] {splits}),
                Pointer.to(new float[] {alpha}), Pointer.to(part), Pointer.to(new float[] {beta}),
                Pointer.to(c), Pointer.to(new int[] {ldc})), null);
    }

    @Override
    public void gemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   Pointer a, int lda, long strideA, Pointer b, int ldb, long strideB,
                                   float beta, Pointer c, int ldc, long strideC, int batchCount) {
        MatmulArgs.check(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        MatmulArgs.checkBatch(batchCount, strideA, strideB, strideC);
        if (m == 0 || n == 0 || batchCount == 0) return;
        checkGrid(m);
        Family fam = family(m, n, batchCount);
        for (int first = 0; first < batchCount; first += MAX_GRID_Z) {
            int count = Math.min(MAX_GRID_Z, batchCount - first);
            launch(fam, transA, transB, m, n, k, k, 1, alpha,
                    a.withByteOffset(first * strideA * Sizeof.FLOAT), lda, strideA,
                    b.withByteOffset(first * strideB * Sizeof.FLOAT), ldb, strideB, beta,
                    c.withByteOffset(first * strideC * Sizeof.FLOAT), ldc, strideC, count);
        }
    }

    /**
     * TF32 and bf16 have one family each. In fp32 the 128×64 tile is used where a 128-wide tile would leave
     * over a quarter of its columns empty (N = 64 in attention: 128×128 tiles ran at 19
     * TFLOP/s there, 128×64 at 31). Elsewhere 128×128 was as fast or faster on the H100, even
     * where its last wave is short (8192×768), so it stays the default; see NOTES-matmul.md.
     */
    private Family family(int m, int n, int batch) {
        if (precision == Precision.TF32) return tf32;
        if (precision == Precision.BF16) return bf16;
        if ("wide".equals(forcedTiles)) return wide;
        if ("narrow".equals(forcedTiles)) return narrow;
        return useNarrow(n) ? narrow : wide;
    }

    static boolean useNarrow(int n) {
        long padded = (long) ceilDiv(n, TILE) * TILE;
        return (padded - n) * 4 > padded;
    }

    /**
     * Splits K when the output has too few tiles to occupy every resident block slot. Cost
     * model in units of "one k step of a full wave": waves·(K/s + per-block overhead) plus the
     * reduction pass (s planes of m·n read at memory speed: about s·m·n/(512·slots) units when
     * a wave of 128×128 tiles runs at ~40 TFLOP/s against ~2.5 TB/s). Cheapest s wins.
     */
    static int chooseSplits(int m, int n, int k, int residentBlocks) {
        long tiles = (long) ceilDiv(m, TILE) * ceilDiv(n, TILE);
        if (tiles >= residentBlocks || k < 2 * MIN_SPLIT_K) return 1;
        long plane = (long) m * n;
        int maxSplits = (int) Math.min(Math.min(MAX_SPLITS, k / MIN_SPLIT_K),
                Math.max(1, MAX_WORKSPACE_FLOATS / plane));
        int best = 1;
        double bestCost = Double.MAX_VALUE;
        for (int s = 1; s <= maxSplits; s++) {
            long waves = ceilDiv(tiles * s, residentBlocks);
            double cost = waves * ((double) ceilDiv(k, s) + BLOCK_OVERHEAD_K);
            if (s > 1) cost += (s + 1) * (double) plane / (512.0 * residentBlocks);
            if (cost < bestCost * 0.97) { // a split must buy a clear gain
                bestCost = cost;
                best = s;
            }
        }
        return best;
    }

    private void launch(Family fam, boolean transA, boolean transB, int m, int n, int k, int kChunk,
                        int splits, float alpha, Pointer a, int lda, long strideA, Pointer b, int ldb,
                        long strideB, float beta, Pointer c, int ldc, long strideC, int gridZ) {
        // 16-byte loads need aligned bases and row/batch strides that keep every row aligned.
        boolean vec = aligned(a, lda, strideA) && aligned(b, ldb, strideB) && aligned(c, ldc, strideC);
        CUfunction f = fam.f[vec ? 1 : 0][transA ? 1 : 0][transB ? 1 : 0];
        Pointer params = Pointer.to(
                Pointer.to(new int[] {m}), Pointer.to(new int[] {n}), Pointer.to(new int[] {k}),
                Pointer.to(new int[] {kChunk}), Pointer.to(new int[] {splits}),
                Pointer.to(new float[] {alpha}),
                Pointer.to(a), Pointer.to(new int[] {lda}), Pointer.to(new long[] {strideA}),
                Pointer.to(b), Pointer.to(new int[] {ldb}), Pointer.to(new long[] {strideB}),
                Pointer.to(new float[] {beta}),
                Pointer.to(c), Pointer.to(new int[] {ldc}), Pointer.to(new long[] {strideC}));
        cuLaunchKernel(f, ceilDiv(n, fam.tileN), ceilDiv(m, TILE), gridZ * splits, THREADS, 1, 1, fam.smem,
                stream, params, null);
    }

    private static boolean aligned(Pointer p, int ld, long stride) {
        return p != null && (DeviceAddress.of(p) & 15) == 0 && (ld & 3) == 0 && (stride & 3) == 0;
    }

    private CUdeviceptr workspace(long floats) {
        if (floats > workspaceFloats) {
            if (workspace != null) {
                // queued split-K launches may still read the old workspace
                cuStreamSynchronize(stream);
                CUdeviceptr old = workspace;
                CaptureFence.deviceWide(() -> cuMemFree(old));
                releases++;
            }
            workspace = new CUdeviceptr();
            cuMemAlloc(workspace, floats * Sizeof.FLOAT);
            workspaceFloats = floats;
        }
        return workspace;
    }

    private static void checkGrid(int m) {
        if (ceilDiv(m, TILE) > MAX_GRID_Y) {
            throw new IllegalArgumentException("gemm: m=" + m + " exceeds the kernel limit of "
                    + (long) MAX_GRID_Y * TILE + " rows; split the product into several calls");
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static int roundUp(int a, int b) {
        return ceilDiv(a, b) * b;
    }

    @Override
    public String describe() {
        String mode = switch (precision) {
            case FP32 -> "";
            case TF32 -> ", TF32 tensor cores";
            case BF16 -> ", bf16 tensor cores (fp32 sums)";
            case BF16_AUTOCAST -> throw new IllegalStateException("refused by the constructor");
        };
        return "spikelab SGEMM kernels" + mode
                + (reason == null ? "" : " (" + reason + ")");
    }

    @Override
    public boolean usesCublas() {
        return false;
    }

    @Override
    public long releases() {
        return releases;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        // queued launches may still use the workspace and the module's code
        cuStreamSynchronize(stream);
        if (workspace != null) {
            cuMemFree(workspace);
            workspace = null;
        }
        JCudaDriver.cuModuleUnload(module);
    }
}
