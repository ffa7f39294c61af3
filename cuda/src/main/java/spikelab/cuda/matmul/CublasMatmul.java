package spikelab.cuda.matmul;

import static jcuda.jcublas.cublasOperation.CUBLAS_OP_N;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_T;

import jcuda.Pointer;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.runtime.cudaStream_t;

/**
 * Products through cuBLAS (JCublas2). cuBLAS is column-major; a row-major M×N matrix with row
 * stride ld is, read column-major, its N×M transpose with the same ld. So row-major
 * C = op(A)·op(B) is computed as the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands and
 * M with N, keep each operand's transpose flag. No copies.
 */
final class CublasMatmul implements Matmul {
    private final cublasHandle handle = new cublasHandle();
    private final boolean tf32;
    private final float[] alphaHost = new float[1];
    private final float[] betaHost = new float[1];
    private boolean closed;

    /** Throws (UnsatisfiedLinkError, CudaException...) when libcublas.so.12 cannot be used. */
    CublasMatmul(CUstream stream, boolean tf32) {
        this.tf32 = tf32;
        JCublas2.setExceptionsEnabled(true);
        JCublas2.cublasCreate(handle);
        try {
            JCublas2.cublasSetStream(handle, new cudaStream_t(stream));
            JCublas2.cublasSetMathMode(handle, tf32
                    ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH);
        } catch (RuntimeException e) {
            JCublas2.cublasDestroy(handle);
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
        JCublas2.cublasSgemmStridedBatched(handle, cm[0], cm[1], cm[2], cm[3], k, Pointer.to(alphaHost),
                b, ldb, strideB, a, lda, strideA, Pointer.to(betaHost), c, ldc, strideC, batchCount);
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
        return tf32 ? "cuBLAS (TF32 tensor ops)" : "cuBLAS (fp32)";
    }

    @Override
    public boolean usesCublas() {
        return true;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            JCublas2.cublasDestroy(handle);
        }
    }
}
