package spikelab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FusedAttention}'s primitives on the CPU's preferred vector width: the products as
 * 6 × 2-vector register tiles (twelve accumulators, as in {@link VectorGemm}, but with B read
 * in place through a row stride, since a head's K, V and dO rows are already contiguous), the
 * row sums as 16 lanes of chains. Lane for lane the same operations as the plain-Java kernel,
 * so the same bits. Head sizes must be whole vectors ({@link #supports}); others run on
 * {@link Attention}. Loaded by name only when jdk.incubator.vector is present.
 */
final class VectorFusedAttention extends FusedAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private final ThreadLocal<float[]> lanes = ThreadLocal.withInitial(() -> new float[CHAINS]);

    @Override
    boolean supports(int hs) { return hs % L == 0 && CHAINS % L == 0; }

    @Override
    int keyStep() { return L; }

    @Override
    String name() { return "Vector API fused attention"; }

    @Override
    void tile(float[] a, int ao, int rs, int cs, float[] b, int bo, int bs, int k, int rows, int cols,
              float[] out, int oo, int ld, float alpha) {
        if (cols % L != 0) {
            super.tile(a, ao, rs, cs, b, bo, bs, k, rows, cols, out, oo, ld, alpha);
            return;
        }
        if (rows == MR) {
            int j = 0;
            for (; j + 2 * L <= cols; j += 2 * L) kernel6x2(a, ao, rs, cs, b, bo + j, bs, k, out, oo + j, ld, alpha);
            if (j < cols) kernel6x1(a, ao, rs, cs, b, bo + j, bs, k, out, oo + j, ld, alpha);
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j += L) kernel1x1(a, ao + r * rs, cs, b, bo + j, bs, k, out, oo + r * ld + j, alpha);
        }
    }

    // 6 rows × 2 vectors: per p two B loads, six A broadcasts, twelve FMAs
    private static void kernel6x2(float[] a, int ao, int rs, int cs, float[] b, int bo, int bs, int k,
                                  float[] out, int oo, int ld, float alpha) {
        int r1 = rs, r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int bi = bo + p * bs, ai = ao + p * cs;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
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
        c00.mul(alpha).intoArray(out, oo); c01.mul(alpha).intoArray(out, oo + L);
        c10.mul(alpha).intoArray(out, oo + ld); c11.mul(alpha).intoArray(out, oo + ld + L);
        c20.mul(alpha).intoArray(out, oo + 2 * ld); c21.mul(alpha).intoArray(out, oo + 2 * ld + L);
        c30.mul(alpha).intoArray(out, oo + 3 * ld); c31.mul(alpha).intoArray(out, oo + 3 * ld + L);
        c40.mul(alpha).intoArray(out, oo + 4 * ld); c41.mul(alpha).intoArray(out, oo + 4 * ld + L);
        c50.mul(alpha).intoArray(out, oo + 5 * ld); c51.mul(alpha).intoArray(out, oo + 5 * ld + L);
    }

    // 6 rows × 1 vector, for a head size that is an odd number of vectors
    private static void kernel6x1(float[] a, int ao, int rs, int cs, float[] b, int bo, int bs, int k,
                                  float[] out, int oo, int ld, float alpha) {
        int r1 = rs, r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs;
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int ai = ao + p * cs;
            FloatVector b0 = FloatVector.fromArray(S, b, bo + p * bs);
            c0 = FloatVector.broadcast(S, a[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[ai + r1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[ai + r2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[ai + r3]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[ai + r4]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[ai + r5]).fma(b0, c5);
        }
        c0.mul(alpha).intoArray(out, oo);
        c1.mul(alpha).intoArray(out, oo + ld);
        c2.mul(alpha).intoArray(out, oo + 2 * ld);
        c3.mul(alpha).intoArray(out, oo + 3 * ld);
        c4.mul(alpha).intoArray(out, oo + 4 * ld);
        c5.mul(alpha).intoArray(out, oo + 5 * ld);
    }

    // one row × 1 vector: a block's last rows when t is not a multiple of MR
    private static void kernel1x1(float[] a, int ao, int cs, float[] b, int bo, int bs, int k,
                                  float[] out, int oo, float alpha) {
        FloatVector c = FloatVector.zero(S);
        for (int p = 0; p < k; p++) c = FloatVector.broadcast(S, a[ao + p * cs]).fma(FloatVector.fromArray(S, b, bo + p * bs), c);
        c.mul(alpha).intoArray(out, oo);
    }

    private static final FloatVector IOTA = FloatVector.fromArray(S, iota(), 0);

    private static float[] iota() {
        float[] x = new float[L];
        for (int i = 0; i < L; i++) x[i] = i;
        return x;
    }

    // The row in three vector passes (max/min; e^(s − max) and its sum; scale), written out
    // here rather than through the activation kernel's exp so that each pass is one loop: the
    // per-call costs of five helpers were most of a row's time at T = 128. A last partial
    // vector runs with its lanes past len forced to 0, which adds nothing to a chain (the sum
    // of exponentials is never −0) and writes the zeros above the diagonal. Lane j is chain j,
    // so this needs 16 lanes; other widths take the general path.
    // range: the sum's chains at [CH, CH + 16), the pair's running lane maxima and minima of s
    // at [HI, HI + 16) and [LO, LO + 16): max |s| = max(max s, −min s) is reduced once per pair
    private static final int CH = 16, HI = 32, LO = 48;

    @Override
    void beginPair(float[] range) {
        if (L != CHAINS) {
            super.beginPair(range);
            return;
        }
        java.util.Arrays.fill(range, HI, HI + L, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(range, LO, LO + L, Float.POSITIVE_INFINITY);
    }

    @Override
    float endPair(float[] range) {
        if (L != CHAINS) return super.endPair(range);
        float hi = FloatVector.fromArray(S, range, HI).reduceLanes(VectorOperators.MAX);
        float lo = FloatVector.fromArray(S, range, LO).reduceLanes(VectorOperators.MIN);
        return Math.max(0f, Math.max(hi, -lo));
    }

    @Override
    void softmaxRows(float[] s, int so, int ld, int len0, int rows, float[] p, int po, int rowLen, float[] range) {
        if (L != CHAINS) {
            super.softmaxRows(s, so, ld, len0, rows, p, po, rowLen, range);
            return;
        }
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector negLn2Hi = FloatVector.broadcast(S, -FloatMath.LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(S, -FloatMath.LN2_LO);
        FloatVector c2 = FloatVector.broadcast(S, FloatMath.C2), c3 = FloatVector.broadcast(S, FloatMath.C3);
        FloatVector c4 = FloatVector.broadcast(S, FloatMath.C4), c5 = FloatVector.broadcast(S, FloatMath.C5);
        FloatVector zero = FloatVector.zero(S);
        FloatVector pairHi = FloatVector.fromArray(S, range, HI), pairLo = FloatVector.fromArray(S, range, LO);
        for (int row = 0; row < rows; row++, so += ld, po += rowLen) {
            int len = len0 + row;
            FloatVector hi = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), lo = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
            int full = len / L * L;
            for (int i = 0; i < full; i += L) {
                FloatVector v = FloatVector.fromArray(S, s, so + i);
                hi = hi.max(v);
                lo = lo.min(v);
            }
            VectorMask<Float> tail = IOTA.compare(VectorOperators.LT, len - full);
            if (full < len) {
                FloatVector v = FloatVector.fromArray(S, s, so + full);
                hi = hi.max(v.blend(Float.NEGATIVE_INFINITY, tail.not()));
                lo = lo.min(v.blend(Float.POSITIVE_INFINITY, tail.not()));
            }
            float max = hi.reduceLanes(VectorOperators.MAX);
            pairHi = pairHi.max(hi);
            pairLo = pairLo.min(lo);

            FloatVector sum = FloatVector.zero(S);
            int end = full < len ? full + L : full;
            for (int i = 0; i < end; i += L) {
                // FloatMath.exp(s − max), lane for lane (as VectorActivationKernel's exp)
                FloatVector x = FloatVector.fromArray(S, s, so + i).sub(max);
                FloatVector t = x.fma(FloatMath.LOG2E, FloatMath.SHIFTER);
                FloatVector n = t.sub(FloatMath.SHIFTER);
                FloatVector r = n.fma(negLn2Hi, x);
                r = n.fma(negLn2Lo, r);
                FloatVector q = r.fma(FloatMath.C7, FloatMath.C6);
                q = q.fma(r, c5);
                q = q.fma(r, c4);
                q = q.fma(r, c3);
                q = q.fma(r, c2);
                q = q.fma(r, one);
                q = q.fma(r, one);
                IntVector bits = ((IntVector) t.reinterpretAsInts()).sub(FloatMath.SHIFTER_BITS - 127)
                        .lanewise(VectorOperators.LSHL, 23);
                FloatVector e = q.mul(bits.reinterpretAsFloats());
                e = e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, FloatMath.EXP_HI))
                        .blend(0f, x.compare(VectorOperators.LT, FloatMath.EXP_LO));
                if (i == full) e = e.blend(0f, tail.not());
                sum = sum.add(e);
                e.intoArray(s, so + i);
            }
            // FusedAttention.combine's halving tree in the register: lane i += lane i + 8, + 4, + 2, + 1
            sum = sum.add(sum.slice(8));
            sum = sum.add(sum.slice(4));
            sum = sum.add(sum.slice(2));
            sum = sum.add(sum.slice(1));
            float inv = 1f / sum.lane(0);

            // s now holds the numerators, zero past len up to end
            int direct = Math.min(end, rowLen / L * L);
            for (int i = 0; i < direct; i += L) FloatVector.fromArray(S, s, so + i).mul(inv).intoArray(p, po + i);
            for (int i = direct; i < len; i++) p[po + i] = s[so + i] * inv;
            int zeros = Math.max(direct, len);
            if (zeros == direct) {
                for (; zeros <= rowLen - L; zeros += L) zero.intoArray(p, po + zeros);
            }
            java.util.Arrays.fill(p, po + zeros, po + rowLen, 0f);
        }
        pairHi.intoArray(range, HI);
        pairLo.intoArray(range, LO);
    }

    // Lane j of the accumulator is chain j (L = 16), or chains j and 8 + j sit in two
    // accumulators (L = 8): the plain kernel's chains, held in registers.
    @Override
    float sum16(float[] x, int off, int len) {
        if (L != 16 && L != 8) return super.sum16(x, off, len);
        float[] acc = lanes.get();
        int i = 0;
        if (L == 16) {
            FloatVector s0 = FloatVector.zero(S);
            for (; i <= len - CHAINS; i += CHAINS) s0 = s0.add(FloatVector.fromArray(S, x, off + i));
            s0.intoArray(acc, 0);
        } else {
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            for (; i <= len - CHAINS; i += CHAINS) {
                s0 = s0.add(FloatVector.fromArray(S, x, off + i));
                s1 = s1.add(FloatVector.fromArray(S, x, off + i + L));
            }
            s0.intoArray(acc, 0);
            s1.intoArray(acc, L);
        }
        for (; i < len; i++) acc[i % CHAINS] += x[off + i];
        return combine(acc);
    }

    @Override
    float dot16(float[] x, int xo, float[] y, int yo, int len) {
        if (L != 16 && L != 8) return super.dot16(x, xo, y, yo, len);
        float[] acc = lanes.get();
        int i = 0;
        if (L == 16) {
            FloatVector s0 = FloatVector.zero(S);
            for (; i <= len - CHAINS; i += CHAINS) {
                s0 = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromArray(S, y, yo + i), s0);
            }
            s0.intoArray(acc, 0);
        } else {
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            for (; i <= len - CHAINS; i += CHAINS) {
                s0 = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromArray(S, y, yo + i), s0);
                s1 = FloatVector.fromArray(S, x, xo + i + L).fma(FloatVector.fromArray(S, y, yo + i + L), s1);
            }
            s0.intoArray(acc, 0);
            s1.intoArray(acc, L);
        }
        for (; i < len; i++) acc[i % CHAINS] = Math.fma(x[xo + i], y[yo + i], acc[i % CHAINS]);
        return combine(acc);
    }

    @Override
    void dsUpdate(float[] p, int po, float[] dp, int dpo, int len, float dot, float scale, float[] ds, int dso) {
        int i = 0;
        for (; i <= len - L; i += L) {
            FloatVector pv = FloatVector.fromArray(S, p, po + i);
            pv.mul(FloatVector.fromArray(S, dp, dpo + i).sub(dot)).mul(scale).intoArray(ds, dso + i);
        }
        for (; i < len; i++) ds[dso + i] = p[po + i] * (dp[dpo + i] - dot) * scale;
    }

    @Override
    void maxMin(float[] x, int off, int len, float[] out) {
        float hi = Float.NEGATIVE_INFINITY, lo = Float.POSITIVE_INFINITY;
        int i = 0;
        if (len >= L) {
            FloatVector vh = FloatVector.fromArray(S, x, off), vl = vh;
            for (i = L; i <= len - L; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, off + i);
                vh = vh.max(v);
                vl = vl.min(v);
            }
            hi = vh.reduceLanes(VectorOperators.MAX);
            lo = vl.reduceLanes(VectorOperators.MIN);
        }
        for (; i < len; i++) {
            hi = Math.max(hi, x[off + i]);
            lo = Math.min(lo, x[off + i]);
        }
        out[1] = hi;
        out[2] = lo;
    }

    @Override
    void scale(float[] x, int off, int len, float f) {
        int i = 0;
        for (; i <= len - L; i += L) FloatVector.fromArray(S, x, off + i).mul(f).intoArray(x, off + i);
        for (; i < len; i++) x[off + i] *= f;
    }
}
