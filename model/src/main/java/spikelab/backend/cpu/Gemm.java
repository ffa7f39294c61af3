package spikelab.backend.cpu;

/**
 * Row-major SGEMM on float arrays: C = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n,
 * lda/ldb/ldc the row strides as stored. With beta = 0, C is not read.
 *
 * <p>Runs the blocked, packed {@link PackedGemm} with the Vector API kernel when the JVM has
 * jdk.incubator.vector (started with {@code --add-modules jdk.incubator.vector}), otherwise
 * the plain-Java kernel; both follow one summation order, so they give the same bits, and
 * neither depends on the thread count. The system property {@code spikelab.gemm=scalar}
 * forces the plain kernel (for comparisons).
 */
public final class Gemm {
    private Gemm() {}

    private static final PackedGemm IMPL = VectorKernels.choose("spikelab.gemm", "spikelab.backend.cpu.VectorGemm",
            PackedGemm.class, ScalarGemm::new);

    /** Which kernel runs, for logs and bench output. */
    public static String kernelName() { return IMPL.name(); }

    /** True when the Vector API kernel is in use. */
    public static boolean vectorized() { return !(IMPL instanceof ScalarGemm); }

    /**
     * null when the Vector API kernel runs or the plain one was asked for; otherwise one line
     * saying why the plain kernel runs and how to get the fast one. {@code java -jar} without
     * {@code --add-modules jdk.incubator.vector} lands here, and trains several times slower (a
     * d_model-64, 4-layer model on one core of the project's machine, 2026-12-07: 5,300 against
     * 36,000 tokens/s; the 1024³ product 11 against 84 GFLOP/s).
     */
    public static String slowKernelAdvice() {
        if (vectorized() || VectorKernels.forcedScalar("spikelab.gemm")) return null;
        if (!VectorKernels.modulePresent()) {
            return "the JVM was started without the Vector API, so the CPU's matrix products run ~7x slower: "
                    + "use scripts/spikelab, or add --add-modules jdk.incubator.vector to the java command line";
        }
        return "the Vector API is present but spikelab's vector kernel failed to load on Java "
                + System.getProperty("java.version") + ", so the CPU's matrix products run ~7x slower: "
                + "use JDK 17 (the one the tests run on) or 25 (tried on 2026-12-07)";
    }

    public static void gemm(Parallel par, boolean transA, boolean transB, int m, int n, int k,
                            float alpha, float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        IMPL.gemm(par, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Per thread: the rounded copies of the two operands, grown to the largest product seen. */
    private static final ThreadLocal<float[][]> ROUNDED = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

    /**
     * bf16 mixed precision, emulated: as {@link #gemm}, with op(A) and op(B) first rounded to
     * bf16 ({@link spikelab.backend.Bf16#round}) into scratch copies, by {@link Bf16Kernel} on
     * par's threads. A product of two bf16 values is exact in fp32, so what remains fp32 is the
     * summation, in the same order as the fp32 kernel's: the result equals {@code gemm} on
     * inputs rounded beforehand, bit for bit, whatever the thread count.
     */
    public static void gemmBf16(Parallel par, boolean transA, boolean transB, int m, int n, int k,
                                float alpha, float[] a, int aOff, int lda,
                                float[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        float[][] buf = ROUNDED.get();
        if (buf[0].length < aRows * aCols) buf[0] = new float[aRows * aCols];
        if (buf[1].length < bRows * bCols) buf[1] = new float[bRows * bCols];
        Bf16Kernel round = Bf16Kernel.get();
        round.roundRows(par, a, aOff, lda, aRows, aCols, buf[0], 0, aCols);
        round.roundRows(par, b, bOff, ldb, bRows, bCols, buf[1], 0, bCols);
        IMPL.gemm(par, transA, transB, m, n, k, alpha, buf[0], 0, Math.max(1, aCols), buf[1], 0, Math.max(1, bCols),
                beta, c, cOff, ldc);
    }

    /** Per thread: the unrounded product when C accumulates (beta ≠ 0) under bf16 outputs. */
    private static final ThreadLocal<float[][]> PRODUCT = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /**
     * bf16 autocast, emulated: C = beta·C + rnd₁₆(alpha·Σ rnd₁₆(A)·rnd₁₆(B)), i.e.
     * {@link #gemmBf16} with its result rounded to bf16 before it is added to C (in fp32). With
     * beta = 0 the product is rounded in place; otherwise it goes through a scratch copy first.
     * Element-wise after the product, so the bits still do not depend on the thread count.
     */
    public static void gemmBf16Out(Parallel par, boolean transA, boolean transB, int m, int n, int k,
                                   float alpha, float[] a, int aOff, int lda,
                                   float[] b, int bOff, int ldb,
                                   float beta, float[] c, int cOff, int ldc) {
        Bf16Kernel round = Bf16Kernel.get();
        if (beta == 0f) {
            gemmBf16(par, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, 0f, c, cOff, ldc);
            round.roundRows(par, c, cOff, ldc, m, n, c, cOff, ldc);
            return;
        }
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        float[][] buf = PRODUCT.get();
        if (buf[0].length < m * n) buf[0] = new float[m * n];
        float[] prod = buf[0];
        gemmBf16(par, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, 0f, prod, 0, Math.max(1, n));
        round.roundRows(par, prod, 0, n, m, n, prod, 0, n);
        par.forRange(m, Math.max(1, 8192 / Math.max(1, n)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int co = cOff + r * ldc, po = r * n;
                if (beta == 1f) for (int j = 0; j < n; j++) c[co + j] += prod[po + j];
                else for (int j = 0; j < n; j++) c[co + j] = beta * c[co + j] + prod[po + j];
            }
        });
    }

    /** As {@link #gemm} on the plain-Java kernel, whatever the JVM offers (tests, benchmarks). */
    static void gemmScalar(Parallel par, boolean transA, boolean transB, int m, int n, int k,
                           float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        ScalarHolder.SCALAR.gemm(par, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    private static final class ScalarHolder {
        static final PackedGemm SCALAR = new ScalarGemm();
    }

    // Shapes are checked up front: a wrong stride would otherwise read a neighbouring tensor silently.
    private static void check(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                              float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm dimensions must be non-negative, got m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) return;
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        stride("A", aRows, aCols, a, aOff, lda);
        stride("B", bRows, bCols, b, bOff, ldb);
        stride("C", m, n, c, cOff, ldc);
    }

    private static void stride(String what, int rows, int cols, float[] x, int off, int ld) {
        if (rows == 0 || cols == 0) return;
        if (ld < cols) {
            throw new IllegalArgumentException("gemm: row stride of " + what + " is " + ld + " but its rows hold "
                    + cols + " values; pass a stride of at least " + cols);
        }
        long last = off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length) {
            throw new IllegalArgumentException("gemm: " + what + " (" + rows + "x" + cols + ", stride " + ld
                    + ", offset " + off + ") reaches element " + last + " of an array of " + x.length
                    + "; check the shape and offset");
        }
    }
}
