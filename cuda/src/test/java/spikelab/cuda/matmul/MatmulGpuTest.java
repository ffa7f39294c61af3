package spikelab.cuda.matmul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import spikelab.backend.Bf16;
import spikelab.backend.Precision;

/**
 * Both matrix-product paths against a double-precision CPU reference: odd sizes, all transpose
 * combinations, padded leading dimensions, misaligned bases, beta 0 over NaN and beta 1,
 * batched, and split-K. The cuBLAS half skips where libcublas.so.12 cannot be loaded. bf16 is
 * checked against the same reference on bf16-rounded inputs (what the CPU emulates), and must be
 * far from the unrounded product, so that a kernel that skipped the rounding fails.
 */
@Tag("gpu")
class MatmulGpuTest {
    private static final double FP32_TOL = 1e-5;
    private static final double TF32_TOL = 5e-3;
    /**
     * bf16 products against the double product of the rounded inputs: only the fp32 sums differ
     * (and the tensor cores' fp32 accumulation, which may truncate), so fp32-like accuracy.
     */
    private static final double BF16_TOL = 1e-5;
    /** Unrounded inputs differ from their bf16 values by up to 2^-9 relative: ~1e-3 on products. */
    private static final double BF16_MIN_ROUNDING_EFFECT = 2e-4;
    private static GpuContext gpu;

    @BeforeEach
    void needGpu() {
        gpu = GpuContext.openOrSkip();
    }

    @AfterEach
    void freeBuffers() {
        if (gpu != null) gpu.close();
    }

    /** One product: shapes, strides as padding over the stored row length, base offsets in floats. */
    record Case(boolean ta, boolean tb, int m, int n, int k, int padA, int padB, int padC, int off,
                float beta, int batch) {
        int lda() { return (ta ? m : k) + padA; }
        int ldb() { return (tb ? k : n) + padB; }
        int ldc() { return n + padC; }
        long sizeA() { return (long) (ta ? k : m) * lda(); }
        long sizeB() { return (long) (tb ? n : k) * ldb(); }
        long sizeC() { return (long) m * ldc(); }
        @Override public String toString() {
            return (ta ? "T" : "N") + (tb ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k + " pad=" + padA
                    + "/" + padB + "/" + padC + " off=" + off + " beta=" + beta + " batch=" + batch;
        }
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        int[][] shapes = {{1, 1, 1}, {7, 5, 3}, {33, 17, 9}, {130, 129, 67}, {64, 256, 128},
                          {257, 1, 40}, {1, 300, 130}, {128, 128, 8}, {200, 150, 0}};
        int i = 0;
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int pad = (i % 3 == 0) ? 0 : (i % 3 == 1 ? 4 : 3);
                int off = (i % 4 == 3) ? 1 : 0;
                float beta = (i % 2 == 0) ? 0f : 1f;
                cases.add(new Case(ta, tb, s[0], s[1], s[2], pad, pad == 3 ? 5 : pad, pad, off, beta, 1));
                i++;
            }
        }
        // long K over few tiles: the kernel path splits K
        cases.add(new Case(false, true, 130, 100, 4100, 0, 0, 0, 0, 0f, 1));
        cases.add(new Case(true, false, 96, 200, 3001, 1, 2, 3, 1, 1f, 1));
        // batched, as attention uses them
        cases.add(new Case(false, true, 70, 70, 16, 0, 0, 0, 0, 0f, 5));
        cases.add(new Case(false, false, 33, 16, 70, 8, 4, 4, 0, 1f, 3));
        cases.add(new Case(true, true, 20, 31, 12, 1, 0, 2, 1, 0f, 4));
        return cases;
    }

    @Test
    void kernelsFp32() {
        try (Matmul mm = new KernelMatmul(gpu.stream, Precision.FP32, "test")) {
            checkAll(mm, FP32_TOL);
        }
    }

    @Test
    void kernelsFp32EachTileShape() {
        for (String tiles : new String[] {"wide", "narrow"}) {
            try (KernelMatmul mm = new KernelMatmul(gpu.stream, Precision.FP32, tiles + " tiles")) {
                mm.forcedTiles = tiles;
                checkAll(mm, FP32_TOL);
            }
        }
    }

    @Test
    void kernelsTf32() {
        try (Matmul mm = new KernelMatmul(gpu.stream, Precision.TF32, "test")) {
            double worst = checkAll(mm, TF32_TOL);
            // fp32 lands near 1e-7 here: a much larger error shows the tensor cores did the work
            assertTrue(worst > 1e-5, "TF32 path as accurate as fp32 (" + worst + "): tensor cores not used?");
        }
    }

    @Test
    void kernelsBf16() {
        try (Matmul mm = new KernelMatmul(gpu.stream, Precision.BF16, "test")) {
            checkBf16(mm);
            // and deterministic, split-K included
            int m = 100, n = 130, k = 5000;
            SplittableRandom rnd = new SplittableRandom(9);
            CUdeviceptr da = gpu.upload(random(rnd, m * k)), db = gpu.upload(random(rnd, n * k)), dc = gpu.alloc(m * n);
            mm.gemm(false, true, m, n, k, 1f, da, k, db, k, 0f, dc, n);
            float[] first = gpu.download(dc, m * n);
            mm.gemm(false, true, m, n, k, 1f, da, k, db, k, 0f, dc, n);
            assertArrayEquals(first, gpu.download(dc, m * n), "bf16 repeat differs");
        }
    }

    @Test
    void cublasFp32() {
        try (Matmul mm = cublasOrSkip(Precision.FP32)) {
            checkAll(mm, FP32_TOL);
        }
    }

    @Test
    void cublasTf32() {
        try (Matmul mm = cublasOrSkip(Precision.TF32)) {
            checkAll(mm, TF32_TOL);
        }
    }

    @Test
    void cublasBf16() {
        try (Matmul mm = cublasOrSkip(Precision.BF16)) {
            checkBf16(mm);
        }
    }

    /** Near the product of the rounded inputs, and far from the unrounded one. */
    private static void checkBf16(Matmul mm) {
        checkAll(mm, BF16_TOL, true);
        double fromUnrounded = checkAll(mm, 1, false);
        assertTrue(fromUnrounded > BF16_MIN_ROUNDING_EFFECT, mm.describe()
                + ": within " + fromUnrounded + " of the unrounded product, so the inputs were not rounded to bf16");
    }

    @Test
    void factoryHonoursForcedKernelsAndSaysWhichPathItTook() {
        String old = System.getProperty(Matmuls.PROPERTY);
        try {
            System.setProperty(Matmuls.PROPERTY, "kernels");
            try (Matmul mm = Matmuls.create(gpu.stream, Precision.FP32)) {
                assertFalse(mm.usesCublas());
                assertEquals("spikelab SGEMM kernels (forced by spikelab.matmul=kernels)", mm.describe());
            }
            System.clearProperty(Matmuls.PROPERTY);
            try (Matmul mm = Matmuls.create(gpu.stream, Precision.TF32)) {
                System.out.println("[matmul] auto choice on this machine: " + mm.describe());
                assertTrue(mm.usesCublas() ? mm.describe().startsWith("cuBLAS")
                        : mm.describe().contains("libcublas") || mm.describe().contains("cuBLAS")
                          || mm.describe().contains("JCublas"), mm.describe());
            }
        } finally {
            if (old == null) System.clearProperty(Matmuls.PROPERTY);
            else System.setProperty(Matmuls.PROPERTY, old);
        }
    }

    /** Same inputs, aligned (16-byte loads) and misaligned (scalar loads): bit-identical outputs. */
    @Test
    void kernelsAreDeterministicAcrossLoadPathsAndRepeats() {
        int m = 190, n = 260, k = 1500;
        SplittableRandom rnd = new SplittableRandom(7);
        float[] a = random(rnd, m * k + 4), b = random(rnd, n * k + 4);
        CUdeviceptr da = gpu.upload(a), db = gpu.upload(b), dc = gpu.alloc(m * n + 4);
        try (Matmul mm = new KernelMatmul(gpu.stream, Precision.FP32, "test")) {
            mm.gemm(false, true, m, n, k, 1f, da, k, db, k, 0f, dc, n);
            float[] first = gpu.download(dc, m * n);
            mm.gemm(false, true, m, n, k, 1f, da, k, db, k, 0f, dc, n);
            assertArrayEquals(first, gpu.download(dc, m * n), "repeat differs");
            // the same matrices one float further on: scalar path
            CUdeviceptr da1 = gpu.upload(shift(a, 1)), db1 = gpu.upload(shift(b, 1));
            mm.gemm(false, true, m, n, k, 1f, da1.withByteOffset(Sizeof.FLOAT), k,
                    db1.withByteOffset(Sizeof.FLOAT), k, 0f, dc.withByteOffset(Sizeof.FLOAT), n);
            float[] shifted = gpu.download(dc, m * n + 1);
            float[] unshifted = new float[m * n];
            System.arraycopy(shifted, 1, unshifted, 0, m * n);
            assertArrayEquals(first, unshifted, "vector and scalar load paths differ");
        }
    }

    private static Matmul cublasOrSkip(Precision precision) {
        try {
            return new CublasMatmul(gpu.stream, precision);
        } catch (Throwable e) {
            Assumptions.assumeTrue(false, "cuBLAS unavailable here (" + Matmuls.unavailableReason(e)
                    + "); cuBLAS test skipped, the kernel tests cover this machine");
            return null;
        }
    }

    private static double checkAll(Matmul mm, double tol) {
        return checkAll(mm, tol, false);
    }

    /** Worst relative error over all cases; {@code roundInputs}: the reference multiplies bf16-rounded inputs. */
    private static double checkAll(Matmul mm, double tol, boolean roundInputs) {
        SplittableRandom rnd = new SplittableRandom(1234);
        List<String> failures = new ArrayList<>();
        double worst = 0;
        for (Case c : cases()) {
            double err = check(mm, c, rnd, failures, tol, roundInputs);
            worst = Math.max(worst, err);
        }
        System.out.printf("[matmul] %s: %d cases, worst relative error %.3g against the %s product (limit %.0g)%n",
                mm.describe(), cases().size(), worst, roundInputs ? "bf16-rounded" : "exact", tol);
        assertTrue(failures.isEmpty(), mm.describe() + " failed:\n" + String.join("\n", failures));
        return worst;
    }

    private static double check(Matmul mm, Case c, SplittableRandom rnd, List<String> failures, double tol,
                                boolean roundInputs) {
        long strideA = c.sizeA() + 3, strideB = c.sizeB() + 1, strideC = c.sizeC() + 2;
        int lenA = (int) (c.off + strideA * c.batch), lenB = (int) (c.off + strideB * c.batch);
        int lenC = (int) (c.off + strideC * c.batch);
        float[] a = random(rnd, lenA), b = random(rnd, lenB);
        float[] c0 = c.beta == 0f ? nan(lenC) : random(rnd, lenC);
        CUdeviceptr da = gpu.upload(a), db = gpu.upload(b), dc = gpu.upload(c0);
        float alpha = 0.75f;
        Pointer pa = da.withByteOffset((long) c.off * Sizeof.FLOAT);
        Pointer pb = db.withByteOffset((long) c.off * Sizeof.FLOAT);
        Pointer pc = dc.withByteOffset((long) c.off * Sizeof.FLOAT);
        if (c.batch == 1) {
            mm.gemm(c.ta, c.tb, c.m, c.n, c.k, alpha, pa, c.lda(), pb, c.ldb(), c.beta, pc, c.ldc());
        } else {
            mm.gemmStridedBatched(c.ta, c.tb, c.m, c.n, c.k, alpha, pa, c.lda(), strideA, pb, c.ldb(), strideB,
                    c.beta, pc, c.ldc(), strideC, c.batch);
        }
        float[] got = gpu.download(dc, lenC);
        double worst = 0;
        for (int bi = 0; bi < c.batch; bi++) {
            int oa = (int) (c.off + bi * strideA), ob = (int) (c.off + bi * strideB), oc = (int) (c.off + bi * strideC);
            double num = 0, den = 0;
            for (int i = 0; i < c.m; i++) {
                for (int j = 0; j < c.n; j++) {
                    double s = 0;
                    for (int p = 0; p < c.k; p++) {
                        float x = a[oa + (c.ta ? p * c.lda() + i : i * c.lda() + p)];
                        float y = b[ob + (c.tb ? j * c.ldb() + p : p * c.ldb() + j)];
                        if (roundInputs) {
                            x = Bf16.round(x);
                            y = Bf16.round(y);
                        }
                        s += (double) x * y;
                    }
                    int idx = oc + i * c.ldc() + j;
                    double ref = alpha * s + (c.beta == 0f ? 0 : c.beta * (double) c0[idx]);
                    double d = got[idx] - ref;
                    num += d * d;
                    den += ref * ref;
                    if (Float.isNaN(got[idx])) num = Double.NaN;
                }
            }
            double rel = den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
            worst = Double.isNaN(rel) ? Double.NaN : Math.max(worst, rel);
            if (!(rel < tol)) failures.add(c + " batch " + bi + ": relative error " + rel);
        }
        // everything outside the m×n outputs (padding, gaps between batches, the offset) is untouched
        for (int idx = 0; idx < lenC; idx++) {
            int rel = idx - c.off;
            boolean inside = rel >= 0 && rel % strideC < c.sizeC() && rel / strideC < c.batch
                    && (rel % strideC) % c.ldc() < c.n;
            if (!inside && Float.floatToRawIntBits(got[idx]) != Float.floatToRawIntBits(c0[idx])) {
                failures.add(c + ": wrote outside the output at element " + idx);
                break;
            }
        }
        return worst;
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    private static float[] nan(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, Float.NaN);
        return x;
    }

    private static float[] shift(float[] x, int by) {
        float[] y = new float[x.length + by];
        System.arraycopy(x, 0, y, by, x.length);
        return y;
    }
}
