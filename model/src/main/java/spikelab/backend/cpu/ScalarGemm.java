package spikelab.backend.cpu;

/**
 * Plain-Java 4×4 micro-kernel for JVMs without the Vector API. Sixteen scalar accumulators fit
 * the register file; {@link Math#fma} keeps the summation order and rounding of the vector
 * kernel, so both produce the same bits.
 */
final class ScalarGemm extends PackedGemm {
    private static final int MR = 4, NR = 4;

    ScalarGemm() {
        super(MR, NR);
    }

    @Override
    String name() { return "plain Java 4x4 gemm"; }

    @Override
    void macroKernel(float[] a, int aOff, int rs, int cs, int ss, float[] edge, int edgeOff, float[] bp, int bOff,
                     int mc, int nc, int kc, float alpha, float beta, boolean first,
                     float[] c, int cOff, int ldc) {
        float[] acc = new float[MR * NR];
        for (int js = 0; js * NR < nc; js++) {
            int bo = bOff + js * kc * NR;
            int cols = Math.min(NR, nc - js * NR);
            for (int is = 0; is * MR < mc; is++) {
                int rows = Math.min(MR, mc - is * MR);
                if (rows == MR) {
                    kernel(a, aOff + is * ss, rs, cs, bp, bo, kc, acc);
                } else {
                    kernel(edge, edgeOff, 1, MR, bp, bo, kc, acc);
                }
                int co = cOff + is * MR * ldc + js * NR;
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < cols; j++) {
                        int ci = co + r * ldc + j;
                        c[ci] = combine(acc[r * NR + j], alpha, beta, first, first && beta == 0f ? 0f : c[ci]);
                    }
                }
            }
        }
    }

    // acc[r][j] = Σ_p A[r][p]·B[p][j], one FMA chain per element, p ascending; A[r][p] = a[ao + r·rs + p·cs]
    private static void kernel(float[] a, int ao, int rs, int cs, float[] bp, int bo, int kc, float[] acc) {
        int r1 = rs, r2 = 2 * rs, r3 = 3 * rs;
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * cs, bi = bo + p * NR;
            float b0 = bp[bi], b1 = bp[bi + 1], b2 = bp[bi + 2], b3 = bp[bi + 3];
            float x = a[ai];
            c00 = Math.fma(x, b0, c00); c01 = Math.fma(x, b1, c01); c02 = Math.fma(x, b2, c02); c03 = Math.fma(x, b3, c03);
            x = a[ai + r1];
            c10 = Math.fma(x, b0, c10); c11 = Math.fma(x, b1, c11); c12 = Math.fma(x, b2, c12); c13 = Math.fma(x, b3, c13);
            x = a[ai + r2];
            c20 = Math.fma(x, b0, c20); c21 = Math.fma(x, b1, c21); c22 = Math.fma(x, b2, c22); c23 = Math.fma(x, b3, c23);
            x = a[ai + r3];
            c30 = Math.fma(x, b0, c30); c31 = Math.fma(x, b1, c31); c32 = Math.fma(x, b2, c32); c33 = Math.fma(x, b3, c33);
        }
        acc[0] = c00; acc[1] = c01; acc[2] = c02; acc[3] = c03;
        acc[4] = c10; acc[5] = c11; acc[6] = c12; acc[7] = c13;
        acc[8] = c20; acc[9] = c21; acc[10] = c22; acc[11] = c23;
        acc[12] = c30; acc[13] = c31; acc[14] = c32; acc[15] = c33;
    }
}
