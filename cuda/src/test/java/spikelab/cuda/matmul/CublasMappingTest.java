package spikelab.cuda.matmul;

import static jcuda.jcublas.cublasOperation.CUBLAS_OP_N;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The row-major → column-major argument mapping of {@link CublasMatmul}, checked without a
 * GPU: a plain Java SGEMM written from cuBLAS's column-major definition is called exactly as
 * CublasMatmul calls cuBLAS, and must produce the row-major product. (No machine with
 * libcublas.so.12 has run the cuBLAS path yet; this is what guards it.)
 */
class CublasMappingTest {

    /** cuBLAS semantics: C = alpha·op(X)·op(Y) + beta·C, all column-major, X(i,p) = x[i + p·ldx]. */
    private static void columnMajorSgemm(int opX, int opY, int m, int n, int k, float alpha,
                                         float[] x, int ldx, float[] y, int ldy, float beta, float[] c, int ldc) {
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float xv = opX == CUBLAS_OP_N ? x[i + p * ldx] : x[p + i * ldx];
                    float yv = opY == CUBLAS_OP_N ? y[p + j * ldy] : y[j + p * ldy];
                    s += (double) xv * yv;
                }
                c[i + j * ldc] = (float) (alpha * s + (beta == 0 ? 0 : beta * c[i + j * ldc]));
            }
        }
    }

    /** The bf16 copy covers exactly first to last element of every matrix, padding between rows included. */
    @Test
    void bf16CopyCoversTheOperandAndNothingPastIt() {
        assertEquals(0, CublasMatmul.extent(0, 5, 8, 0, 1));
        assertEquals(0, CublasMatmul.extent(3, 0, 8, 0, 1));
        assertEquals(2 * 8 + 5, CublasMatmul.extent(3, 5, 8, 0, 1));   // not 3·8: the last row ends at column 5
        assertEquals(1, CublasMatmul.extent(1, 1, 1, 0, 1));
        assertEquals(3 * 40 + 2 * 8 + 5, CublasMatmul.extent(3, 5, 8, 40, 4));
    }

    @Test
    void columnMajorCallComputesTheRowMajorProduct() {
        SplittableRandom rnd = new SplittableRandom(3);
        int m = 5, n = 7, k = 4;
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
            float[] a = random(rnd, (ta ? k : m) * lda), b = random(rnd, (tb ? n : k) * ldb);
            float[] c = random(rnd, m * ldc), expected = c.clone();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += (double) (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                    }
                    expected[i * ldc + j] = (float) (0.5 * s + 2.0 * c[i * ldc + j]);
                }
            }
            int[] cm = CublasMatmul.columnMajor(ta, tb, m, n);
            columnMajorSgemm(cm[0], cm[1], cm[2], cm[3], k, 0.5f, b, ldb, a, lda, 2f, c, ldc);
            for (int i = 0; i < c.length; i++) {
                assertEquals(expected[i], c[i], 1e-5f, "transA=" + ta + " transB=" + tb + " element " + i);
            }
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
