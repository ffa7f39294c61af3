package spikelab.backend.cpu;

import java.util.Arrays;
import spikelab.backend.Precision;

/**
 * Causal attention fused per (batch, head) pair: the pair's query rows are taken {@link #MR}
 * at a time, and each block's scores, softmax and output are finished while they sit in L1,
 * instead of one product over all rows, a softmax pass, and another product (the
 * {@link Attention} path). A block only computes the keys its rows can see, so the masked
 * triangle is skipped except for the few keys a block's last row sees and its first does not.
 *
 * <p>P is still written to {@code att} for the backward, as the {@link spikelab.backend.Backend}
 * contract (shared with the CUDA backend) says; since a block's whole score row is in hand,
 * its softmax needs no running rescale (the online softmax of streaming kernels, which exists to
 * avoid holding the row, would only add work here).
 *
 * <p>This class is the plain-Java kernel; {@link VectorFusedAttention} overrides the
 * primitives ({@link #tile}, {@link #sum16}, {@link #dot16}, the row updates) with Vector API
 * code that performs the same operations in the same order, so both give the same bits. Every
 * output element is one FMA chain in a fixed order and every row sum runs in {@link #CHAINS}
 * interleaved chains combined in a fixed tree, whatever the vector width or the thread count
 * (threads take whole pairs).
 *
 * <p>With bf16 emulation every product's inputs are rounded ({@link Bf16Kernel}) where
 * {@link Attention}'s {@link Gemm#gemmBf16} rounds them: Q, K, V and dO as whole rounded copies,
 * P and dS as the products read them; the softmax, dS's own arithmetic and max |s| stay fp32.
 * bf16-autocast also rounds every product's output where the tile leaves it: S (before the
 * softmax and max |s|), O, dP, dQ, dK and dV.
 */
class FusedAttention {
    /** Scratch floats a softmax row needs: its chains and running extremes (the vector kernel's lanes). */
    static final int RANGE = 64;
    /** Query rows per block: the micro-kernel's height. */
    static final int MR = 6;
    /** Interleaved partial sums of a row reduction (element i goes to chain i mod 16). */
    static final int CHAINS = 16;

    /** Per thread: Kᵀ or Vᵀ of the pair, one block's score rows, the pair's dS and (bf16) its rounded P. */
    private static final class Scratch {
        float[] kt = new float[0], rows = new float[0], ds = new float[0], p = new float[0];
        final float[] range = new float[RANGE];

        void ensure(int ktLen, int rowsLen, int dsLen, int pLen) {
            if (kt.length < ktLen) kt = new float[ktLen];
            if (rows.length < rowsLen) rows = new float[rowsLen];
            if (ds.length < dsLen) ds = new float[dsLen];
            if (p.length < pLen) p = new float[pLen];
        }
    }

    /** fp32: the Vector API kernel when the JVM has jdk.incubator.vector, else this plain one. */
    static FusedAttention create() {
        return create(Precision.FP32);
    }

    /** As {@link #create()}, emulating {@code precision}'s bf16 roundings (fp32: none). */
    static FusedAttention create(Precision precision) {
        return VectorKernels.choose("spikelab.attention", "spikelab.backend.cpu.VectorFusedAttention",
                FusedAttention.class, () -> new FusedAttention(precision), new Class<?>[] {Precision.class}, precision);
    }

    /** Rounds every product's inputs to bf16 (bf16, bf16-autocast). */
    private final boolean bf16;
    /** Rounds every product's output to bf16 as well (bf16-autocast). */
    private final boolean bf16Out;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    private float[] pairMax = new float[0];
    /** bf16: rounded copies of qkv and dO, written before the pairs' loop and only read in it. */
    private final RoundedCopy qkvCopy = new RoundedCopy(), doutCopy = new RoundedCopy();

    FusedAttention() {
        this(Precision.FP32);
    }

    FusedAttention(Precision precision) {
        if (precision == Precision.TF32) throw new IllegalArgumentException("tf32 is not a CPU mode");
        this.bf16 = precision.bf16Inputs();
        this.bf16Out = precision.bf16Outputs();
    }

    /** Autocast: rnd₁₆ of a rows×cols block a product just wrote (row stride ld), in place. */
    private static void roundOut(Bf16Kernel round, float[] x, int off, int ld, int rows, int cols) {
        for (int r = 0; r < rows; r++) round.round(x, off + r * ld, x, off + r * ld, cols);
    }

    /** A buffer, grown once to the largest size seen, for a tensor's bf16-rounded copy. */
    private static final class RoundedCopy {
        private float[] data = new float[0];

        /** rnd₁₆ of the packed rows×cols block at x[off], packed from 0 in the returned buffer. */
        float[] of(Parallel par, float[] x, int off, int rows, int cols) {
            if (data.length < rows * cols) data = new float[rows * cols];
            Bf16Kernel.get().roundRows(par, x, off, cols, rows, cols, data, 0, cols);
            return data;
        }
    }

    /** Whether this kernel takes heads of size hs (the vector kernel needs whole vectors). */
    boolean supports(int hs) { return true; }

    /** Width of the score tiles: the packed key dimension is padded to a multiple of it. */
    int keyStep() { return 1; }

    String name() { return "plain Java fused attention"; }

    // S = Q·Kᵀ/√hs, P = causal-softmax(S) (zero above the diagonal), O = P·V; att keeps P and
    // maxLogit gets max |S_ts| over s ≤ t. Per block of rows [r0, r0+MR): keys [0, r0+MR) only.
    void forward(Parallel par, float[] out, int oOff, float[] att, int aOff, float[] maxLogit, int mlOff,
                 float[] qkv, int qOff, int b, int t, int c, int h) {
        int hs = c / h, c3 = 3 * c, tp = pad(t);
        float scale = (float) (1.0 / Math.sqrt(hs));
        if (pairMax.length < b * h) pairMax = new float[b * h];
        float[] pm = pairMax;
        float[] x = bf16 ? qkvCopy.of(par, qkv, qOff, b * t, c3) : qkv;
        int xOff = bf16 ? 0 : qOff;
        par.forRange(b * h, (from, to) -> {
            Scratch sc = scratch.get();
            sc.ensure(hs * tp, MR * tp, 0, 0);
            Bf16Kernel round = Bf16Kernel.get();
            for (int bh = from; bh < to; bh++) {
                int bi = bh / h, hi = bh % h;
                int q = xOff + bi * t * c3 + hi * hs, k = q + c, v = q + 2 * c;
                int p = aOff + bh * t * t, o = oOff + bi * t * c + hi * hs;
                transpose(x, k, c3, t, hs, sc.kt, tp);
                beginPair(sc.range);
                for (int r0 = 0; r0 < t; r0 += MR) {
                    int rows = Math.min(MR, t - r0), n = r0 + rows;
                    tile(x, q + r0 * c3, c3, 1, sc.kt, 0, tp, hs, rows, Math.min(tp, pad(n)), sc.rows, 0, tp, scale);
                    if (bf16Out) roundOut(round, sc.rows, 0, tp, rows, Math.min(tp, pad(n)));
                    softmaxRows(sc.rows, 0, tp, r0 + 1, rows, att, p + r0 * t, t, sc.range);
                    if (bf16) {
                        // rnd₁₆(P) of the block into the score rows, which the softmax has consumed
                        for (int r = 0; r < rows; r++) round.round(att, p + (r0 + r) * t, sc.rows, r * tp, n);
                        tile(sc.rows, 0, tp, 1, x, v, c3, n, rows, hs, out, o + r0 * c, c, 1f);
                    } else {
                        tile(att, p + r0 * t, t, 1, x, v, c3, n, rows, hs, out, o + r0 * c, c, 1f);
                    }
                    if (bf16Out) roundOut(round, out, o + r0 * c, c, rows, hs);
                }
                pm[bh] = endPair(sc.range);
            }
        });
        float m = 0f;
        for (int i = 0; i < b * h; i++) if (pm[i] > m || pm[i] != pm[i]) m = pm[i];
        maxLogit[mlOff] = m;
    }

    // dP = dO·Vᵀ,  dS = P ⊙ (dP − rowsum(P ⊙ dP)) / √hs,  dQ = dS·K  (per query block),
    // dK = dSᵀ·Q,  dV = Pᵀ·dO  (per key block, over the queries at or after it). dqkv is overwritten.
    void backward(Parallel par, float[] dqkv, int dOff, float[] dout, int doOff, float[] qkv, int qOff,
                  float[] att, int aOff, int b, int t, int c, int h) {
        int hs = c / h, c3 = 3 * c, tp = pad(t);
        float scale = (float) (1.0 / Math.sqrt(hs));
        float[] x = bf16 ? qkvCopy.of(par, qkv, qOff, b * t, c3) : qkv;
        float[] dy = bf16 ? doutCopy.of(par, dout, doOff, b * t, c) : dout;
        int xOff = bf16 ? 0 : qOff, dyOff = bf16 ? 0 : doOff;
        par.forRange(b * h, (from, to) -> {
            Scratch sc = scratch.get();
            sc.ensure(hs * tp, MR * tp, t * tp, bf16 ? t * t : 0);
            float[] ds = sc.ds;
            Bf16Kernel round = Bf16Kernel.get();
            for (int bh = from; bh < to; bh++) {
                int bi = bh / h, hi = bh % h;
                int q = xOff + bi * t * c3 + hi * hs, k = q + c, v = q + 2 * c;
                int dq = dOff + bi * t * c3 + hi * hs, dk = dq + c, dv = dq + 2 * c;
                int g = dyOff + bi * t * c + hi * hs;
                int p = aOff + bh * t * t;
                transpose(x, v, c3, t, hs, sc.kt, tp);
                for (int r0 = 0; r0 < t; r0 += MR) {
                    int rows = Math.min(MR, t - r0), n = r0 + rows;
                    tile(dy, g + r0 * c, c, 1, sc.kt, 0, tp, hs, rows, Math.min(tp, pad(n)), sc.rows, 0, tp, 1f);
                    if (bf16Out) roundOut(round, sc.rows, 0, tp, rows, Math.min(tp, pad(n)));
                    for (int r = 0; r < rows; r++) {
                        int ti = r0 + r;
                        dsRow(att, p + ti * t, sc.rows, r * tp, ti + 1, scale, ds, ti * tp);
                        // dS is only ever a product's input: rounded once, here
                        if (bf16) round.round(ds, ti * tp, ds, ti * tp, ti + 1);
                        // the dQ and dK blocks read up to MR − 1 keys past the diagonal: exact zeros
                        Arrays.fill(ds, ti * tp + ti + 1, ti * tp + Math.min(tp, ti + MR), 0f);
                    }
                    tile(ds, r0 * tp, tp, 1, x, k, c3, n, rows, hs, dqkv, dq + r0 * c3, c3, 1f);
                    if (bf16Out) roundOut(round, dqkv, dq + r0 * c3, c3, rows, hs);
                }
                // dV's A is P; under bf16, the pair's rnd₁₆(P) (P itself stays fp32 for dS above)
                if (bf16) round.round(att, p, sc.p, 0, t * t);
                float[] pa = bf16 ? sc.p : att;
                int pOff = bf16 ? 0 : p;
                for (int s0 = 0; s0 < t; s0 += MR) {
                    int rows = Math.min(MR, t - s0);
                    // A[r][j] = dS[s0+j][s0+r] (resp. P): a transposed view, read in place
                    tile(ds, s0 * tp + s0, 1, tp, x, q + s0 * c3, c3, t - s0, rows, hs, dqkv, dk + s0 * c3, c3, 1f);
                    tile(pa, pOff + s0 * t + s0, 1, t, dy, g + s0 * c, c, t - s0, rows, hs, dqkv, dv + s0 * c3, c3, 1f);
                    if (bf16Out) {
                        roundOut(round, dqkv, dk + s0 * c3, c3, rows, hs);
                        roundOut(round, dqkv, dv + s0 * c3, c3, rows, hs);
                    }
                }
            }
        });
    }

    private int pad(int n) {
        int s = keyStep();
        return (n + s - 1) / s * s;
    }

    /** kt[d·tp + s] = X[s][d] for s < t (X's rows at x + s·ld), zero for t ≤ s < tp. */
    private static void transpose(float[] x, int off, int ld, int t, int hs, float[] kt, int tp) {
        int s = 0;
        // four source rows at a time: each destination row then gets four adjacent values per pass
        for (; s <= t - 4; s += 4) {
            int r0 = off + s * ld, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld;
            for (int d = 0; d < hs; d++) {
                int o = d * tp + s;
                kt[o] = x[r0 + d];
                kt[o + 1] = x[r1 + d];
                kt[o + 2] = x[r2 + d];
                kt[o + 3] = x[r3 + d];
            }
        }
        for (; s < t; s++) {
            int src = off + s * ld;
            for (int d = 0; d < hs; d++) kt[d * tp + s] = x[src + d];
        }
        for (int d = 0; d < hs; d++) Arrays.fill(kt, d * tp + t, d * tp + tp, 0f);
    }

    // ---- primitives: the vector kernel overrides these with the same arithmetic ----

    /**
     * out[oo + r·ld + j] = alpha·Σ_{p<k} A[r][p]·B[p][j] for r < rows, j < cols, each sum one
     * FMA chain from zero with p ascending; A[r][p] = a[ao + r·rs + p·cs], B[p][j] = b[bo + p·bs + j].
     */
    void tile(float[] a, int ao, int rs, int cs, float[] b, int bo, int bs, int k, int rows, int cols,
              float[] out, int oo, int ld, float alpha) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) acc = Math.fma(a[ao + r * rs + p * cs], b[bo + p * bs + j], acc);
                out[oo + r * ld + j] = alpha * acc;
            }
        }
    }

    /** Before a pair's rows: the running max |s| starts at 0 (in range[0]). */
    void beginPair(float[] range) {
        range[0] = 0f;
    }

    /** After a pair's rows: max |s| over all of them (NaN if any was NaN). */
    float endPair(float[] range) {
        return range[0];
    }

    /** {@link #softmaxRow} on rows of s at so + r·ld with lengths len0 + r, into p's rows of rowLen. */
    void softmaxRows(float[] s, int so, int ld, int len0, int rows, float[] p, int po, int rowLen, float[] range) {
        for (int r = 0; r < rows; r++) softmaxRow(s, so + r * ld, len0 + r, p, po + r * rowLen, rowLen, range);
    }

    /**
     * One row's softmax: p[po + i] = e^(s_i − max) / Σ e^(s_j − max) for i < len (the sum by
     * {@link #sum16}), and exact zeros for len ≤ i < rowLen; max |s_i| joins the pair's running
     * maximum. {@code range} is the thread's {@link #RANGE} floats of scratch. s may be read up
     * to the next multiple of 16 past len (the score rows are padded).
     */
    void softmaxRow(float[] s, int so, int len, float[] p, int po, int rowLen, float[] range) {
        maxMin(s, so, len, range);
        float absMax = Math.max(range[1], -range[2]);
        Activations.kernel().expShifted(s, so, range[1], p, po, len);
        scale(p, po, len, 1f / sum16(p, po, len));
        Arrays.fill(p, po + len, po + rowLen, 0f);
        range[0] = Math.max(range[0], absMax);
    }

    /**
     * max_i x_i and min_i x_i into out[1] and out[2] (Math.max/min: NaN wins). Exact, so any order gives the
     * same values; max |x_i| is max(max, −min).
     */
    void maxMin(float[] x, int off, int len, float[] out) {
        float hi = Float.NEGATIVE_INFINITY, lo = Float.POSITIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            hi = Math.max(hi, x[off + i]);
            lo = Math.min(lo, x[off + i]);
        }
        out[1] = hi;
        out[2] = lo;
    }

    /** ds[i] = p_i·(dp_i − Σ_j p_j·dp_j)·scale for i < len. */
    final void dsRow(float[] p, int po, float[] dp, int dpo, int len, float scale, float[] ds, int dso) {
        float dot = dot16(p, po, dp, dpo, len);
        dsUpdate(p, po, dp, dpo, len, dot, scale, ds, dso);
    }

    void dsUpdate(float[] p, int po, float[] dp, int dpo, int len, float dot, float scale, float[] ds, int dso) {
        for (int i = 0; i < len; i++) ds[dso + i] = p[po + i] * (dp[dpo + i] - dot) * scale;
    }

    void scale(float[] x, int off, int len, float f) {
        for (int i = 0; i < len; i++) x[off + i] *= f;
    }

    /** Σ x_i, element i into chain i mod {@link #CHAINS}, chains combined by {@link #combine}. */
    float sum16(float[] x, int off, int len) {
        float[] acc = new float[CHAINS];
        for (int i = 0; i < len; i++) acc[i % CHAINS] += x[off + i];
        return combine(acc);
    }

    /** Σ x_i·y_i as {@link #sum16}, each chain an FMA chain. */
    float dot16(float[] x, int xo, float[] y, int yo, int len) {
        float[] acc = new float[CHAINS];
        for (int i = 0; i < len; i++) acc[i % CHAINS] = Math.fma(x[xo + i], y[yo + i], acc[i % CHAINS]);
        return combine(acc);
    }

    /** The chains added in a fixed halving tree: chain i += chain i + 8, then i + 4, i + 2, i + 1. */
    static float combine(float[] acc) {
        return combine(acc, 0);
    }

    /** As {@link #combine(float[])} on the chains at acc[off, off + 16). */
    static float combine(float[] acc, int off) {
        for (int w = CHAINS / 2; w >= 1; w /= 2) {
            for (int i = 0; i < w; i++) acc[off + i] += acc[off + i + w];
        }
        return acc[off];
    }
}
