package spikelab.cuda.matmul;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_N;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_T;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.runtime.cudaStream_t;
import spikelab.backend.Precision;
import spikelab.cuda.CaptureFence;
import spikelab.cuda.GpuOutOfMemory;
import spikelab.cuda.Ptx;

/**
 * Products through cuBLAS (JCublas2). cuBLAS is column-major; a row-major M×N matrix with row
 * stride ld is, read column-major, its N×M transpose with the same ld. So row-major
 * C = op(A)·op(B) is computed as the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands and
 * M with N, keep each operand's transpose flag. No copies in fp32 and TF32.
 *
 * <p>bf16: cuBLAS takes bf16 operands from memory, so each operand is first rounded into a bf16
 * copy with the same layout ({@code spikelab_to_bf16}, kept scratch buffers), then
 * {@code cublasGemmEx} multiplies them with fp32 accumulation into the fp32 C: the function the
 * CPU emulates, up to the order of the sums.
 */
final class CublasMatmul implements Matmul {
    private static final int THREADS = 256;
    private final cublasHandle handle = new cublasHandle();
    /**
     * cuBLAS's workspace, set on every handle: with one of the caller's, cuBLAS never allocates
     * while a CUDA graph is recorded, and runs with and without graphs pick their algorithms
     * with the same workspace, so they stay bit-identical. 32 MiB is what NVIDIA documents for
     * Hopper (more than earlier GPUs need).
     */
    private static final long WORKSPACE_BYTES = 32L << 20;

    private final CUstream stream;
    private final Precision precision;
    private final float[] alphaHost = new float[1];
    private final float[] betaHost = new float[1];
    /** bf16 only: the conversion kernel and the two operands' bf16 copies. */
    private CUmodule module;
    private CUfunction toBf16;
    private final CUdeviceptr[] scratch = new CUdeviceptr[2];
    private final long[] scratchElems = new long[2];
    /** cuBLAS's workspace (see {@link #WORKSPACE_BYTES}). */
    private CUdeviceptr workspace;
    private long releases;
    private boolean closed;

    /** Throws (UnsatisfiedLinkError, CudaException...) when libcublas.so.12 cannot be used. */
    CublasMatmul(CUstream stream, Precision precision) {
        if (precision.bf16Outputs()) throw new IllegalArgumentException("bf16-autocast is a CPU emulation mode, not a product kind");
        this.stream = stream;
        this.precision = precision;
        JCublas2.setExceptionsEnabled(true);
        try {
            JCublas2.cublasCreate(handle);
        } catch (CudaException e) {
            if (String.valueOf(e.getMessage()).contains("ALLOC_FAILED")) throw GpuOutOfMemory.allocating("a cuBLAS handle", e);
            throw e;
        }
        try {
            // the stream first: setting it resets the handle's workspace
            JCublas2.cublasSetStream(handle, new cudaStream_t(stream));
            JCublas2.cublasSetMathMode(handle, precision == Precision.TF32
                    ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH);
            JCudaDriver.setExceptionsEnabled(true);
            CUdeviceptr ws = new CUdeviceptr();
            try {
                cuMemAlloc(ws, WORKSPACE_BYTES);
            } catch (CudaException e) {
                throw GpuOutOfMemory.allocating("cuBLAS's 32 MiB workspace", e);
            }
            workspace = ws;
            JCublas2.cublasSetWorkspace(handle, workspace, WORKSPACE_BYTES);
            if (precision == Precision.BF16) {
                module = Ptx.load("matmul");
                toBf16 = Ptx.function(module, "spikelab_to_bf16");
            }
        } catch (RuntimeException e) {
            JCublas2.cublasDestroy(handle);
            if (workspace != null) cuMemFree(workspace);
            throw e;
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Pointer a, int lda, Pointer b, int ldb, float beta, Pointer c, int ldc) {
        MatmulArgs.check(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0) return;
        alphaHost[0] = alpha;
        betaHost[0] = beta;
        int[] cm = columnMajor(transA, transB, m, n);
        if (precision == Precision.BF16) {
            Pointer a16 = bf16Copy(0, a, extent(transA ? k : m, transA ? m : k, lda, 0, 1));
            Pointer b16 = bf16Copy(1, b, extent(transB ? n : k, transB ? k : n, ldb, 0, 1));
            JCublas2.cublasGemmEx_new(handle, cm[0], cm[1], cm[2], cm[3], k, Pointer.to(alphaHost),
                    b16, cudaDataType.CUDA_R_16BF, ldb, a16, cudaDataType.CUDA_R_16BF, lda,
                    Pointer.to(betaHost), c, cudaDataType.CUDA_R_32F, ldc,
                    cublasComputeType.CUBLAS_COMPUTE_32F, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT);
            return;
        }
        JCublas2.cublasSgemm(handle, cm[0], cm[1], cm[2], cm[3], k,
                Pointer.to(alphaHost), b, ldb, a, lda, Pointer.to(betaHost), c, ldc);
    }

    @Override
    public void gemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   Pointer a, int lda, long strideA, Pointer b, int ldb, long strideB,
                                   float beta, Pointer c, int ldc, long strideC, int batchCount) {
        MatmulArgs.check(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        MatmulArgs.checkBatch(batchCount, strideA, strideB, strideC);
        if (m == 0 || n == 0 || batchCount == 0) return;
        alphaHost[0] = alpha;
        betaHost[0] = beta;
        int[] cm = columnMajor(transA, transB, m, n);
        if (precision == Precision.BF16) {
            Pointer a16 = bf16Copy(0, a, extent(transA ? k : m, transA ? m : k, lda, strideA, batchCount));
            Pointer b16 = bf16Copy(1, b, extent(transB ? n : k, transB ? k : n, ldb, strideB, batchCount));
            JCublas2.cublasGemmStridedBatchedEx_new(handle, cm[0], cm[1], cm[2], cm[3], k, Pointer.to(alphaHost),
                    b16, cudaDataType.CUDA_R_16BF, ldb, strideB, a16, cudaDataType.CUDA_R_16BF, lda, strideA,
                    Pointer.to(betaHost), c, cudaDataType.CUDA_R_32F, ldc, strideC, batchCount,
                    cublasComputeType.CUBLAS_COMPUTE_32F, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT);
            return;
        }
        JCublas2.cublasSgemmStridedBatched(handle, cm[0], cm[1], cm[2], cm[3], k, Pointer.to(alphaHost),
                b, ldb, strideB, a, lda, strideA, Pointer.to(betaHost), c, ldc, strideC, batchCount);
    }

    /**
     * Elements from an operand's first to one past its last (rows × cols stored with row stride
     * ld, batch matrices stride apart): the span its bf16 copy must cover, element i of the copy
     * standing for element i of the original, so lda/ldb and the strides stay valid.
     */
    static long extent(int rows, int cols, int ld, long stride, int batch) {
        if (rows == 0 || cols == 0) return 0;
        return (batch - 1) * stride + (long) (rows - 1) * ld + cols;
    }

    /** Rounds {@code elems} floats from src into scratch buffer {@code which} as bf16; returns it. */
    private Pointer bf16Copy(int which, Pointer src, long elems) {
        if (elems > scratchElems[which] || scratch[which] == null) {   // k = 0 still passes a valid pointer
            if (scratch[which] != null) {
                cuStreamSynchronize(stream); // a queued product may still read the old copy
                CUdeviceptr old = scratch[which];
                CaptureFence.deviceWide(() -> cuMemFree(old));
                releases++;
            }
            scratch[which] = new CUdeviceptr();
            cuMemAlloc(scratch[which], Math.max(1, elems) * 2);
            scratchElems[which] = elems;
        }
        if (elems > 0) {
            int blocks = (int) Math.min((elems + THREADS - 1) / THREADS, 65_535);
            cuLaunchKernel(toBf16, blocks, 1, 1, THREADS, 1, 1, 0, stream, Pointer.to(
                    Pointer.to(src), Pointer.to(scratch[which]), Pointer.to(new long[] {elems})), null);
        }
        return scratch[which];
    }

    /**
     * The column-major call computing a row-major product: {transa, transb, m, n} for cuBLAS,
     * whose first operand is then B (with ldb) and second A (with lda); k and ldc unchanged.
     */
    static int[] columnMajor(boolean transA, boolean transB, int m, int n) {
        return new int[] {transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m};
    }

    @Override
    public String describe() {
        return switch (precision) {
            case FP32 -> "cuBLAS (fp32)";
            case TF32 -> "cuBLAS (TF32 tensor ops)";
            case BF16 -> "cuBLAS (bf16 GemmEx, fp32 compute)";
            case BF16_AUTOCAST -> throw new IllegalStateException("refused by the constructor");
        };
    }

    @Override
    public boolean usesCublas() {
        return true;
    }

    @Override
    public long releases() {
        return releases;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cuStreamSynchronize(stream);   // queued products may still use the workspace, copies and code
            JCublas2.cublasDestroy(handle);
            cuMemFree(workspace);
            if (module != null) {
                for (CUdeviceptr p : scratch) if (p != null) cuMemFree(p);
                JCudaDriver.cuModuleUnload(module);
            }
        }
    }
}
