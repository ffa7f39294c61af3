package spikelab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * 6×(2 vectors) register-tiled micro-kernel on the CPU's preferred vector width: 6×16 with
 * AVX2, 6×32 with AVX-512. Per k step two B vectors, six A broadcasts and twelve FMAs into
 * twelve accumulators (15 of AVX2's 16 registers). On the AVX-512 machine here the wider tile
 * ran the training step's products 1.5× faster than the 256-bit one. The tile width does not
 * enter the summation order, so results are the same bits on either. Loaded reflectively by
 * {@link Gemm} only when the jdk.incubator.vector module is present.
 */
final class VectorGemm extends PackedGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 6, NR = 2 * L;

    private final ThreadLocal<float[]> tile = ThreadLocal.withInitial(() -> new float[MR * NR]);

    VectorGemm() {
        super(MR, NR);
    }

    @Override
    String name() { return "Vector API " + MR + "x" + NR + " gemm"; }

    @Override
    void macroKernel(float[] a, int aOff, int rs, int cs, int ss, float[] edge, int edgeOff, float[] bp, int bOff,
                     int mc, int nc, int kc, float alpha, float beta, boolean first,
                     float[] c, int cOff, int ldc) {
        float[] tile = this.tile.get();
        for (int js = 0; js * NR < nc; js++) {
            int bo = bOff + js * kc * NR;
            int cols = Math.min(NR, nc - js * NR);
            for (int is = 0; is * MR < mc; is++) {
                int rows = Math.min(MR, mc - is * MR);
                int co = cOff + is * MR * ldc + js * NR;
                if (rows == MR) {
                    kernel(a, aOff + is * ss, rs, cs, bp, bo, kc, tile);
                } else {
                    kernel(edge, edgeOff, 1, MR, bp, bo, kc, tile);
                }
                if (cols == NR) {
                    for (int r = 0; r < rows; r++) combineRow(tile, r * NR, alpha, beta, first, c, co + r * ldc);
                } else {
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < cols; j++) {
                            int ci = co + r * ldc + j;
                            c[ci] = combine(tile[r * NR + j], alpha, beta, first, first && beta == 0f ? 0f : c[ci]);
                        }
                    }
                }
            }
        }
    }

    // acc[r][j] = Σ_p A[r][p]·B[p][j] as one FMA chain per element, p ascending, written to tile;
    // A[r][p] = a[ao + r·rs + p·cs].
    // Nothing but the loop and the final stores: with the C update in here too, C2 (JDK 17)
    // kept the accumulators boxed once both update paths had run, a 5× slowdown.
    private static void kernel(float[] a, int ao, int rs, int cs, float[] bp, int bo, int kc, float[] tile) {
        int r1 = rs, r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * cs;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + r1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + r2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + r3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + r4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + r5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(tile, 0 * NR); c01.intoArray(tile, 0 * NR + L);
        c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + L);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + L);
    }

    // PackedGemm.combine on 16 lanes: mul and add rounded separately, as in the scalar code.
    private static void combineRow(float[] tile, int t, float alpha, float beta, boolean first, float[] c, int ci) {
        for (int h = 0; h < NR; h += L) {
            FloatVector s = FloatVector.fromArray(S, tile, t + h).mul(alpha);
            if (!first) {
                FloatVector.fromArray(S, c, ci + h).add(s).intoArray(c, ci + h);
            } else if (beta != 0f) {
                s.add(FloatVector.fromArray(S, c, ci + h).mul(beta)).intoArray(c, ci + h);
            } else {
                s.intoArray(c, ci + h);
            }
        }
    }
}
