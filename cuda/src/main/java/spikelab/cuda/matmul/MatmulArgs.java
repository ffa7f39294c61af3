package spikelab.cuda.matmul;

import jcuda.Pointer;

/** Argument checks shared by every {@link Matmul}: bad shapes fail here, not inside a kernel. */
final class MatmulArgs {
    private MatmulArgs() {}

    static void check(boolean transA, boolean transB, int m, int n, int k,
                      Pointer a, int lda, Pointer b, int ldb, Pointer c, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative size m=" + m + ", n=" + n + ", k=" + k
                    + "; sizes must be >= 0");
        }
        // Row-major: the stored row length is the column count of the matrix as stored.
        checkLd("lda", lda, transA ? m : k, transA ? "m (A is transposed)" : "k");
        checkLd("ldb", ldb, transB ? k : n, transB ? "k (B is transposed)" : "n");
        checkLd("ldc", ldc, n, "n");
        if (m > 0 && n > 0) {
            if (c == null) throw new IllegalArgumentException("gemm: C is null; pass a device pointer");
            if (k > 0 && (a == null || b == null)) {
                throw new IllegalArgumentException("gemm: A or B is null; pass device pointers");
            }
        }
    }

    static void checkBatch(int batchCount, long strideA, long strideB, long strideC) {
        if (batchCount < 0) {
            throw new IllegalArgumentException("gemmStridedBatched: batchCount=" + batchCount + " must be >= 0");
        }
        if (strideA < 0 || strideB < 0 || strideC < 0) {
            throw new IllegalArgumentException("gemmStridedBatched: negative stride (" + strideA + ", "
                    + strideB + ", " + strideC + "); strides are element counts >= 0");
        }
    }

    private static void checkLd(String name, int ld, int cols, String what) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("gemm: " + name + "=" + ld + " is smaller than " + what
                    + "=" + cols + "; the row stride must be at least the stored row length");
        }
    }
}
