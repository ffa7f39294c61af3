package spikelab.backend.cpu;

import java.util.Arrays;
import spikelab.backend.Precision;

/**
 * Causal multi-head attention on the packed qkv activations [B,T,3C]. Work is split over
 * (batch, head) pairs: each pair owns its slice of every output, so no two threads write one
 * element and the result does not depend on the thread count. Within a pair the products are
 * strided matrix products on the qkv rows (row stride 3C), so they run on the fast
 * {@link Gemm} kernel instead of scalar dot products. They run in blocks of {@link #BLOCK}
 * query rows, each only as wide (or as deep) as the causal mask lets it reach, which skips most
 * of the upper triangle: the skipped terms are exact zeros of P, so the sums are unchanged.
 */
final class Attention {
    /** Query rows per causal block: smaller skips more of the triangle but packs K more often. */
    static final int BLOCK = 32;

    /**
     * bf16: every product's inputs rounded ({@link Gemm#gemmBf16}); bf16-autocast: their
     * outputs too ({@link Gemm#gemmBf16Out}), so S is rounded before the softmax and max |S|.
     */
    private final Precision precision;

    Attention(Precision precision) {
        this.precision = precision;
    }

    /** One causal block's product, on the calling thread (the (batch, head) pairs are the parallel work). */
    private void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (precision.bf16Outputs()) Gemm.gemmBf16Out(Parallel.SERIAL, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        else if (precision.bf16Inputs()) Gemm.gemmBf16(Parallel.SERIAL, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        else Gemm.gemm(Parallel.SERIAL, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[0]);
    private float[] pairMax = new float[0];

    // S = Q·Kᵀ/√hs,  P = causal-softmax(S) (zero above the diagonal),  O = P·V.
    // att keeps P; maxLogit gets max |S_ts| over s ≤ t.
    void forward(Parallel par, float[] out, int oOff, float[] att, int aOff, float[] maxLogit, int mlOff,
                 float[] qkv, int qOff, int b, int t, int c, int h) {
        int hs = c / h, c3 = 3 * c;
        float scale = (float) (1.0 / Math.sqrt(hs));
        if (pairMax.length < b * h) pairMax = new float[b * h];
        float[] pm = pairMax;
        par.forRange(b * h, (from, to) -> {
            for (int bh = from; bh < to; bh++) {
                int bi = bh / h, hi = bh % h;
                int q = qOff + bi * t * c3 + hi * hs, k = q + c, v = q + 2 * c;
                int p = aOff + bh * t * t;
                // block rows [r0, r1) need keys [0, r1) only
                for (int r0 = 0; r0 < t; r0 += BLOCK) {
                    int r1 = Math.min(t, r0 + BLOCK);
                    gemm(false, true, r1 - r0, r1, hs, scale, qkv, q + r0 * c3, c3, qkv, k, c3,
                            0f, att, p + r0 * t, t);
                }
                float absMax = 0f;
                for (int ti = 0; ti < t; ti++) {
                    int row = p + ti * t;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int s = 0; s <= ti; s++) {
                        float l = att[row + s];
                        if (l > max) max = l;
                        float a = Math.abs(l);
                        if (a > absMax || a != a) absMax = a;
                    }
                    Activations.kernel().expShifted(att, row, max, att, row, ti + 1);
                    float sum = 0f;
                    for (int s = 0; s <= ti; s++) sum += att[row + s];
                    float inv = 1f / sum;
                    for (int s = 0; s <= ti; s++) att[row + s] *= inv;
                    Arrays.fill(att, row + ti + 1, row + t, 0f);
                }
                int o = oOff + bi * t * c + hi * hs;
                for (int r0 = 0; r0 < t; r0 += BLOCK) {
                    int r1 = Math.min(t, r0 + BLOCK);
                    gemm(false, false, r1 - r0, hs, r1, 1f, att, p + r0 * t, t, qkv, v, c3, 0f,
                            out, o + r0 * c, c);
                }
                pm[bh] = absMax;
            }
        });
        float m = 0f;
        for (int i = 0; i < b * h; i++) if (pm[i] > m || pm[i] != pm[i]) m = pm[i];
        maxLogit[mlOff] = m;
    }

    // dP = dO·Vᵀ,  dV = Pᵀ·dO,  dS = P ⊙ (dP − rowsum(P ⊙ dP)) / √hs,  dQ = dS·K,  dK = dSᵀ·Q.
    // dqkv is overwritten (every product runs with beta = 0).
    void backward(Parallel par, float[] dqkv, int dOff, float[] dout, int doOff, float[] qkv, int qOff,
                  float[] att, int aOff, int b, int t, int c, int h) {
        int hs = c / h, c3 = 3 * c;
        float scale = (float) (1.0 / Math.sqrt(hs));
        par.forRange(b * h, (from, to) -> {
            float[] ds = scratch.get();
            if (ds.length < t * t) {
                ds = new float[t * t];
                scratch.set(ds);
            }
            for (int bh = from; bh < to; bh++) {
                int bi = bh / h, hi = bh % h;
                int q = qOff + bi * t * c3 + hi * hs, k = q + c, v = q + 2 * c;
                int dq = dOff + bi * t * c3 + hi * hs, dk = dq + c, dv = dq + 2 * c;
                int g = doOff + bi * t * c + hi * hs;
                int p = aOff + bh * t * t;
                for (int r0 = 0; r0 < t; r0 += BLOCK) {
                    int r1 = Math.min(t, r0 + BLOCK);
                    // dP rows [r0, r1) up to column r1;  dV rows [r0, r1) from query rows r0 on
                    gemm(false, true, r1 - r0, r1, hs, 1f, dout, g + r0 * c, c, qkv, v, c3,
                            0f, ds, r0 * t, t);
                    gemm(true, false, r1 - r0, hs, t - r0, 1f, att, p + r0 * t + r0, t,
                            dout, g + r0 * c, c, 0f, dqkv, dv + r0 * c3, c3);
                }
                for (int ti = 0; ti < t; ti++) {
                    int row = p + ti * t, drow = ti * t;
                    float dot = 0f;
                    for (int s = 0; s <= ti; s++) dot += att[row + s] * ds[drow + s];
                    for (int s = 0; s <= ti; s++) ds[drow + s] = att[row + s] * (ds[drow + s] - dot) * scale;
                    Arrays.fill(ds, drow + ti + 1, drow + t, 0f);
                }
                for (int r0 = 0; r0 < t; r0 += BLOCK) {
                    int r1 = Math.min(t, r0 + BLOCK);
                    // dQ rows [r0, r1) over keys [0, r1);  dK rows [r0, r1) over queries [r0, t)
                    gemm(false, false, r1 - r0, hs, r1, 1f, ds, r0 * t, t, qkv, k, c3,
                            0f, dqkv, dq + r0 * c3, c3);
                    gemm(true, false, r1 - r0, hs, t - r0, 1f, ds, r0 * t + r0, t,
                            qkv, q + r0 * c3, c3, 0f, dqkv, dk + r0 * c3, c3);
                }
            }
        });
    }
}
