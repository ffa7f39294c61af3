package spikelab.cuda.matmul;

import jcuda.Pointer;

/**
 * fp32 matrix products on device memory, with the row-major semantics of
 * {@link spikelab.backend.Backend#gemm}: C = alpha·op(A)·op(B) + beta·C, op(A) is M×K, op(B) is
 * K×N, {@code lda/ldb/ldc} are the row strides of A, B, C as stored. With beta = 0, C is not
 * read (NaN there does not leak).
 *
 * <p>Pointers are device pointers (offsets applied with {@code withByteOffset}). All work is
 * queued on the stream given at creation and may still be running when a method returns.
 * Obtain one with {@link Matmuls#create}.
 */
public interface Matmul extends AutoCloseable {

    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float alpha, Pointer a, int lda, Pointer b, int ldb,
              float beta, Pointer c, int ldc);

    /**
     * {@code batchCount} independent products; matrix i of A starts {@code i·strideA} elements
     * after {@code a} (likewise B and C).
     */
    void gemmStridedBatched(boolean transA, boolean transB, int m, int n, int k,
                            float alpha, Pointer a, int lda, long strideA,
                            Pointer b, int ldb, long strideB,
                            float beta, Pointer c, int ldc, long strideC, int batchCount);

    /** One line for logs and {@code spikelab info}, e.g. "cuBLAS (TF32 tensor ops)". */
    String describe();

    boolean usesCublas();

    /**
     * Workspaces and scratch buffers freed so far: a CUDA graph recorded before the count last
     * changed may address freed memory and must be recorded again.
     */
    long releases();

    /** Releases handles and workspaces; queued work on the stream is not waited for. */
    @Override
    void close();
}
