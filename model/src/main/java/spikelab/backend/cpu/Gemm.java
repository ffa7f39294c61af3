package spikelab.backend.cpu;

/**
 * Row-major SGEMM on float arrays: C = alpha·op(A)·op(B) + beta·C.
 *
 * <p>Reference implementation: every C element is one dot product over k in increasing order,
 * computed by exactly one thread, so results do not depend on the thread count.
 */
public final class Gemm {
    private Gemm() {}

    /** Which kernel runs, for logs and bench output. */
    public static String kernelName() { return "scalar reference gemm"; }

    public static void gemm(Parallel par, boolean transA, boolean transB, int m, int n, int k,
                            float alpha, float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        par.forRange(m, 4, (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int j = 0; j < n; j++) {
                    float acc = 0f;
                    for (int p = 0; p < k; p++) {
                        float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                        float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                        acc += av * bv;
                    }
                    int ci = cOff + i * ldc + j;
                    c[ci] = beta == 0f ? alpha * acc : alpha * acc + beta * c[ci];
                }
            }
        });
    }
}
