package spikelab.backend.cpu;

import spikelab.backend.Bf16;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The blocked SGEMM against a double-precision reference, with the rigorous float error bound
 * of a length-k sum: |c − ref| ≤ 2·(k+4)·2⁻²⁴·Σ|terms|. A wrong index or a dropped block moves
 * the error to the size of the terms themselves.
 */
class GemmTest {
    private static final Parallel P1 = new Parallel(1), P2 = new Parallel(2), P3 = new Parallel(3);
    // odd shapes cross every edge: partial MR/NR tiles, k beyond one KC block, tiny products
    private static final int[][] SHAPES = {
            {1, 1, 1}, {7, 5, 3}, {6, 16, 1}, {13, 37, 29}, {65, 33, 300}, {31, 130, 517}, {96, 48, 256}, {100, 17, 64},
            {20, 600, 40}};   // more column strips than PackedGemm.IN_PLACE_MAX_STRIPS: A packed

    @AfterAll
    static void close() {
        P1.close();
        P2.close();
        P3.close();
    }

    private static final class Problem {
        final boolean ta, tb;
        final int m, n, k, lda, ldb, ldc, aOff, bOff, cOff;
        final float alpha, beta;
        final float[] a, b, c0;

        Problem(Random rnd, boolean ta, boolean tb, int m, int n, int k, float alpha, float beta) {
            this.ta = ta;
            this.tb = tb;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
            // strides wider than the rows and non-zero offsets, as for views into one buffer
            lda = (ta ? m : k) + rnd.nextInt(3);
            ldb = (tb ? k : n) + rnd.nextInt(3);
            ldc = n + rnd.nextInt(3);
            aOff = rnd.nextInt(5);
            bOff = rnd.nextInt(5);
            cOff = rnd.nextInt(5);
            a = random(rnd, aOff + (ta ? k : m) * lda);
            b = random(rnd, bOff + (tb ? n : k) * ldb);
            c0 = random(rnd, cOff + m * ldc);
        }

        float av(int i, int p) { return ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p]; }
        float bv(int p, int j) { return tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]; }

        float[] run(Parallel par, boolean scalar) {
            float[] c = c0.clone();
            if (scalar) {
                Gemm.gemmScalar(par, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            } else {
                Gemm.gemm(par, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            }
            return c;
        }

        void checkAgainstReference(float[] c, String what) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        double t = (double) av(i, p) * bv(p, j);
                        s += t;
                        mag += Math.abs(t);
                    }
                    double old = c0[cOff + i * ldc + j];
                    double ref = alpha * s + beta * old;
                    double bound = 2 * (k + 4) * 0x1p-24 * (Math.abs(alpha) * mag + Math.abs(beta * old)) + 1e-30;
                    double got = c[cOff + i * ldc + j];
                    assertTrue(Math.abs(got - ref) <= bound, what + " C[" + i + "," + j + "] = " + got
                            + ", reference " + ref + ", bound " + bound);
                }
            }
            // padding between rows and before the offset is never written
            for (int i = 0; i < m; i++) {
                for (int j = n; j < ldc && cOff + i * ldc + j < c.length; j++) {
                    assertEquals(c0[cOff + i * ldc + j], c[cOff + i * ldc + j], what + ": wrote outside C");
                }
            }
            for (int i = 0; i < cOff; i++) assertEquals(c0[i], c[i], what + ": wrote before C");
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    @Test
    void matchesDoubleReferenceForAllTransposes() {
        Random rnd = new Random(7);
        for (int[] s : SHAPES) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                float alpha = rnd.nextBoolean() ? 1f : 0.75f, beta = new float[] {0f, 1f, -0.5f}[rnd.nextInt(3)];
                Problem pr = new Problem(rnd, ta, tb, s[0], s[1], s[2], alpha, beta);
                String what = "gemm(" + (ta ? "T" : "N") + (tb ? "T" : "N") + ", " + Arrays.toString(s)
                        + ", alpha " + alpha + ", beta " + beta + ", " + Gemm.kernelName() + ")";
                pr.checkAgainstReference(pr.run(P2, false), what);
            }
        }
    }

    @Test
    void bitIdenticalAcrossThreadCountsAndKernels() {
        Random rnd = new Random(11);
        for (int[] s : SHAPES) {
            for (int t = 0; t < 4; t++) {
                Problem pr = new Problem(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 0.5f, t == 3 ? 0f : 1f);
                float[] one = pr.run(P1, false);
                String what = Arrays.toString(s) + " transposes " + t;
                assertArrayEquals(one, pr.run(P2, false), "2 threads differ from 1: " + what);
                assertArrayEquals(one, pr.run(P3, false), "3 threads differ from 1: " + what);
                // the plain-Java kernel has other tile shapes but the same summation order
                assertArrayEquals(one, pr.run(P3, true), "plain-Java kernel differs from " + Gemm.kernelName() + ": " + what);
            }
        }
    }

    @Test
    void bf16ProductsEqualFp32ProductsOfRoundedInputsAndDifferFromUnrounded() {
        Random rnd = new Random(13);
        for (int[] s : SHAPES) {
            for (int t = 0; t < 4; t++) {
                Problem pr = new Problem(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 0.5f, t == 3 ? 0f : 1f);
                float[] bf = pr.c0.clone(), fp = pr.c0.clone(), rounded = pr.c0.clone();
                Gemm.gemmBf16(P3, pr.ta, pr.tb, pr.m, pr.n, pr.k, pr.alpha, pr.a, pr.aOff, pr.lda, pr.b, pr.bOff, pr.ldb,
                        pr.beta, bf, pr.cOff, pr.ldc);
                Gemm.gemm(P2, pr.ta, pr.tb, pr.m, pr.n, pr.k, pr.alpha, pr.a, pr.aOff, pr.lda, pr.b, pr.bOff, pr.ldb,
                        pr.beta, fp, pr.cOff, pr.ldc);
                float[] ra = pr.a.clone(), rb = pr.b.clone();
                for (int i = 0; i < ra.length; i++) ra[i] = Bf16.round(ra[i]);
                for (int i = 0; i < rb.length; i++) rb[i] = Bf16.round(rb[i]);
                Gemm.gemm(P1, pr.ta, pr.tb, pr.m, pr.n, pr.k, pr.alpha, ra, pr.aOff, pr.lda, rb, pr.bOff, pr.ldb,
                        pr.beta, rounded, pr.cOff, pr.ldc);
                String what = Arrays.toString(s) + " transposes " + t;
                assertArrayEquals(rounded, bf, "bf16 product vs fp32 product of pre-rounded inputs: " + what);
                if (s[2] > 0 && s[0] * s[1] > 4) {
                    org.junit.jupiter.api.Assertions.assertFalse(Arrays.equals(fp, bf), "bf16 rounding changed nothing: " + what);
                    // and it stays a product: bf16 inputs carry ~2^-9 relative error each
                    double num = 0, den = 0;
                    for (int i = 0; i < fp.length; i++) {
                        num += (fp[i] - bf[i]) * (double) (fp[i] - bf[i]);
                        den += fp[i] * (double) fp[i];
                    }
                    assertTrue(Math.sqrt(num / den) < 1e-2, what + ": relative error " + Math.sqrt(num / den));
                }
            }
        }
    }

    @Test
    void autocastProductsRoundTheBf16ProductBeforeAddingItToC() {
        Random rnd = new Random(17);
        for (int[] s : SHAPES) {
            for (int t = 0; t < 4; t++) {
                // beta 0, 1 and 0.5: overwrite, accumulate (residual adds, weight gradients), and scale
                float beta = t == 3 ? 0f : t == 2 ? 0.5f : 1f;
                Problem pr = new Problem(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 0.5f, beta);
                float[] out = pr.c0.clone(), product = new float[Math.max(1, pr.m * pr.n)];
                Gemm.gemmBf16Out(P3, pr.ta, pr.tb, pr.m, pr.n, pr.k, pr.alpha, pr.a, pr.aOff, pr.lda, pr.b, pr.bOff, pr.ldb,
                        beta, out, pr.cOff, pr.ldc);
                Gemm.gemmBf16(P1, pr.ta, pr.tb, pr.m, pr.n, pr.k, pr.alpha, pr.a, pr.aOff, pr.lda, pr.b, pr.bOff, pr.ldb,
                        0f, product, 0, Math.max(1, pr.n));
                String what = Arrays.toString(s) + " transposes " + t + " beta " + beta;
                float[] expected = pr.c0.clone();
                int rounded = 0;
                for (int i = 0; i < pr.m; i++) {
                    for (int j = 0; j < pr.n; j++) {
                        float p = product[i * pr.n + j], r = Bf16.round(p);
                        if (r != p) rounded++;
                        int ci = pr.cOff + i * pr.ldc + j;
                        expected[ci] = beta == 0f ? r : beta * pr.c0[ci] + r;
                    }
                }
                assertArrayEquals(expected, out, "C = beta·C + rnd16(bf16 product), C's padding untouched: " + what);
                if (s[2] > 0 && s[0] * s[1] > 4) assertTrue(rounded > 0, "no product needed rounding: " + what);
                float[] one = pr.c0.clone();
                Gemm.gemmBf16Out(P1, pr.ta, pr.tb, pr.m, pr.n, pr.k, pr.alpha, pr.a, pr.aOff, pr.lda, pr.b, pr.bOff, pr.ldb,
                        beta, one, pr.cOff, pr.ldc);
                assertArrayEquals(one, out, "1 vs 3 threads: " + what);
            }
        }
    }

    @Test
    void betaZeroDoesNotReadC() {
        int m = 9, n = 19, k = 5;
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        Arrays.fill(a, 1f);
        Arrays.fill(b, 2f);
        Arrays.fill(c, Float.NaN);
        Gemm.gemm(P2, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        for (float v : c) assertEquals(10f, v);
        Arrays.fill(c, Float.NaN);
        Gemm.gemm(P2, false, false, m, n, 0, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        for (float v : c) assertEquals(0f, v, "k = 0 with beta 0 must give zeros");
    }

    @Test
    void badStrideIsRejectedWithTheFix() {
        float[] a = new float[12], b = new float[12], c = new float[16];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(P1, false, false, 4, 4, 3, 1f, a, 0, 2, b, 0, 4, 0f, c, 0, 4));
        assertEquals("gemm: row stride of A is 2 but its rows hold 3 values; pass a stride of at least 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(P1, false, false, 4, 4, 3, 1f, a, 0, 3, b, 1, 4, 0f, c, 0, 4));
        assertTrue(e.getMessage().startsWith("gemm: B (3x4, stride 4, offset 1) reaches element 13 of an array of 12"),
                e.getMessage());
    }

    @Test
    void vectorKernelIsUsedWhenTheModuleIsPresent() {
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertEquals(present && !"scalar".equals(System.getProperty("spikelab.gemm")), Gemm.vectorized(), Gemm.kernelName());
    }
}
