package spikelab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import spikelab.backend.Precision;

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

    VectorFusedAttention() {
        this(Precision.FP32);
    }

    VectorFusedAttention(Precision precision) {
        super(precision);
    }

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

    // A row's softmax in three vector passes (max; e^(s − max) and its sum; scale), written
    // out here rather than through the activation kernel's exp so that each pass is one loop:
    // the per-call costs of five helpers were most of a row's time at T = 128. Lane j is chain
    // j, so this needs 16 lanes; other widths take the general path.
    // range: a block's row maxima at [ROW_MAX, ROW_MAX + MR) and reciprocal sums at [ROW_INV,
    // ROW_INV + MR), handed from pass to pass; at [ABS, ABS + 16) the pair's running lane maxima
    // of |s|, as bit patterns (see softmaxRows), reduced once per pair
    private static final int ROW_MAX = 0, ROW_INV = 8, ABS = 32;
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
    private static final IntVector IOTA_I = IntVector.zero(I).addIndex(1);
    // lane i of x.rearrange(DOWN[k]) is lane i + 2^k of x (mod L): the halving tree's partners
    private static final VectorShuffle<Float> DOWN8 = down(8), DOWN4 = down(4), DOWN2 = down(2), DOWN1 = down(1);

    private static VectorShuffle<Float> down(int d) {
        int[] index = new int[L];
        for (int i = 0; i < L; i++) index[i] = (i + d) % L;
        return VectorShuffle.fromArray(S, index, 0);
    }

    /** Float bit patterns mapped to ints that order as the floats do (−0 below +0; NaN ignored). */
    private static IntVector ordered(IntVector bits) {
        return bits.lanewise(VectorOperators.XOR, bits.lanewise(VectorOperators.ASHR, 31).lanewise(VectorOperators.LSHR, 1));
    }

    /** {@link #ordered(IntVector)} for one value; the map is its own inverse. */
    private static int ordered(int bits) {
        return bits ^ ((bits >> 31) >>> 1);
    }

    /**
     * {@link FusedAttention#combine}'s halving tree on 16 chains held as lanes: lane i += lane
     * i + 8, then + 4, + 2, + 1 (rearrange, not slice: on JDK 17 slice builds its shuffle at run time).
     */
    private static float combine(FloatVector chains) {
        FloatVector v = chains.add(chains.rearrange(DOWN8));
        v = v.add(v.rearrange(DOWN4));
        v = v.add(v.rearrange(DOWN2));
        return v.add(v.rearrange(DOWN1)).lane(0);
    }

    @Override
    void beginPair(float[] range) {
        if (L != CHAINS) {
            super.beginPair(range);
            return;
        }
        java.util.Arrays.fill(range, ABS, ABS + L, 0f);
    }

    @Override
    float endPair(float[] range) {
        if (L != CHAINS) return super.endPair(range);
        return Float.intBitsToFloat(((IntVector) FloatVector.fromArray(S, range, ABS).reinterpretAsInts())
                .reduceLanes(VectorOperators.MAX));
    }

    @Override
    void softmaxRows(float[] s, int so, int ld, int len0, int rows, float[] p, int po, int rowLen, float[] range) {
        if (L != CHAINS || rows > MR) {
            super.softmaxRows(s, so, ld, len0, rows, p, po, rowLen, range);
            return;
        }
        // Three passes over the block's rows rather than three passes per row: a row's passes
        // form one long dependency chain (max → its horizontal reduction → e^(s − max) → the
        // sum's halving tree → 1/sum → scale), and with the rows side by side in each pass the
        // out-of-order core runs the rows' chains at the same time. Same operations per row.
        //
        // The maxima are taken on the floats' bit patterns as ints: Java's float max, with its
        // NaN and −0 rules, is five instructions on x86 and a horizontal float max a serial chain
        // of some twenty-five; an int max is one, and its reduction a short tree. ordered() keeps
        // the floats' order, so a row's maximum is Math.max's exactly; a NaN in a row may or may
        // not become its maximum, but either way the row's sum and so all of its P are NaN, as
        // in the plain kernel. |s| as a pattern (sign cleared) orders NaN above +∞, so the pair's
        // max |s| is NaN when any score is.
        rowMaxima(s, so, ld, len0, rows, range);
        exponentials(s, so, ld, len0, rows, range);
        normalise(s, so, ld, len0, rows, p, po, rowLen, range);
    }

    // The passes are separate methods on purpose: as one, the Vector API code inlined into it
    // sometimes outgrew C2's inlining budget, and the compiled method then called the vector
    // operations instead of inlining them (4x slower, in 5 of 13 profiled JVM starts).

    /** Pass 1: each row's max s into range[ROW_MAX + row], the pair's lane maxima of |s| at ABS. */
    private static void rowMaxima(float[] s, int so, int ld, int len0, int rows, float[] range) {
        IntVector pairAbs = (IntVector) FloatVector.fromArray(S, range, ABS).reinterpretAsInts();
        for (int row = 0, sr = so; row < rows; row++, sr += ld) {
            int len = len0 + row, full = len / L * L;
            IntVector hi = IntVector.broadcast(I, Integer.MIN_VALUE), abs = IntVector.zero(I);
            for (int i = 0; i < full; i += L) {
                IntVector bits = (IntVector) FloatVector.fromArray(S, s, sr + i).reinterpretAsInts();
                hi = hi.max(ordered(bits));
                abs = abs.max(bits.lanewise(VectorOperators.AND, Integer.MAX_VALUE));
            }
            if (full < len) {
                VectorMask<Integer> out = IOTA_I.compare(VectorOperators.GE, len - full);
                IntVector bits = (IntVector) FloatVector.fromArray(S, s, sr + full).reinterpretAsInts();
                hi = hi.max(ordered(bits).blend(Integer.MIN_VALUE, out));
                abs = abs.max(bits.lanewise(VectorOperators.AND, Integer.MAX_VALUE).blend(0, out));
            }
            int max = hi.reduceLanes(VectorOperators.MAX);
            range[ROW_MAX + row] = Float.intBitsToFloat(ordered(max));
            pairAbs = pairAbs.max(abs);
        }
        pairAbs.reinterpretAsFloats().intoArray(range, ABS);
    }

    /** Pass 2: s ← e^(s − max) (0 past len up to the vector's end), 1/Σ into range[ROW_INV + row]. */
    private static void exponentials(float[] s, int so, int ld, int len0, int rows, float[] range) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector negLn2Hi = FloatVector.broadcast(S, -FloatMath.LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(S, -FloatMath.LN2_LO);
        FloatVector c2 = FloatVector.broadcast(S, FloatMath.C2), c3 = FloatVector.broadcast(S, FloatMath.C3);
        FloatVector c4 = FloatVector.broadcast(S, FloatMath.C4), c5 = FloatVector.broadcast(S, FloatMath.C5);
        for (int row = 0, sr = so; row < rows; row++, sr += ld) {
            int len = len0 + row, full = len / L * L, end = full < len ? full + L : full;
            float max = range[ROW_MAX + row];
            FloatVector sum = FloatVector.zero(S);
            for (int i = 0; i < end; i += L) {
                // FloatMath.exp(s − max), lane for lane (as VectorActivationKernel's exp)
                FloatVector x = FloatVector.fromArray(S, s, sr + i).sub(max);
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
                // (FloatMath.exp's overflow branch is left out: x ≤ 0, or NaN, since max is the row's max)
                e = e.blend(0f, x.compare(VectorOperators.LT, FloatMath.EXP_LO));
                // a last partial vector's lanes past len become 0: nothing added to a chain (the
                // sum of exponentials is never −0), and the zeros above the diagonal for the scale pass
                if (i == full) e = e.blend(0f, IOTA.compare(VectorOperators.GE, len - full));
                sum = sum.add(e);
                e.intoArray(s, sr + i);
            }
            range[ROW_INV + row] = 1f / combine(sum);
        }
    }

    /** Pass 3: p's rows ← s·(1/Σ), then exact zeros above the diagonal. */
    private static void normalise(float[] s, int so, int ld, int len0, int rows, float[] p, int po, int rowLen, float[] range) {
        FloatVector zero = FloatVector.zero(S);
        int inRow = rowLen / L * L;   // whole vectors that fit in a row of p
        for (int row = 0, sr = so, pr = po; row < rows; row++, sr += ld, pr += rowLen) {
            int len = len0 + row, full = len / L * L;
            float inv = range[ROW_INV + row];
            int i = 0;
            for (int n = Math.min(full, inRow); i < n; i += L) FloatVector.fromArray(S, s, sr + i).mul(inv).intoArray(p, pr + i);
            if (i < len && i + L <= inRow) {
                // the partial vector: its lanes past len are 0 in s, but 0·(1/sum) is NaN in a
                // NaN row, and P above the diagonal must be exact zeros whatever the row holds
                FloatVector.fromArray(S, s, sr + i).mul(inv).blend(0f, IOTA.compare(VectorOperators.GE, len - i))
                        .intoArray(p, pr + i);
                i += L;
            }
            for (; i < len; i++) p[pr + i] = s[sr + i] * inv;
            for (; i < inRow; i += L) zero.intoArray(p, pr + i);
            if (i < rowLen) java.util.Arrays.fill(p, pr + i, pr + rowLen, 0f);
        }
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
            if (i < len && xo + i + L <= x.length && yo + i + L <= y.length) {
                // the last partial vector: chains past len keep their bits (a blend, not an FMA
                // with zeros, which would turn a chain's −0 into +0); then combine()'s tree in
                // the register. This runs once per row of the backward.
                FloatVector f = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromArray(S, y, yo + i), s0);
                s0 = s0.blend(f, IOTA.compare(VectorOperators.LT, len - i));
                i = len;
            }
            if (i == len) return combine(s0);
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
        if (i < len && po + i + L <= p.length && dpo + i + L <= dp.length && dso + i + L <= ds.length) {
            // the last partial vector, its lanes past len written as zeros (read as dS's masked
            // keys by the dQ and dK products, which FusedAttention zeroes there too)
            FloatVector pv = FloatVector.fromArray(S, p, po + i);
            pv.mul(FloatVector.fromArray(S, dp, dpo + i).sub(dot)).mul(scale)
                    .blend(0f, IOTA.compare(VectorOperators.GE, len - i)).intoArray(ds, dso + i);
            return;
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
