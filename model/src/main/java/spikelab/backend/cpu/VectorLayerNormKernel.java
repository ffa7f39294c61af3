package spikelab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link LayerNormKernel} on the CPU's preferred vector width, the same operations in the same
 * order per lane; tails shorter than a vector go to the plain code. Loaded by name only when
 * jdk.incubator.vector is present.
 */
final class VectorLayerNormKernel extends LayerNormKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Override
    void normalize(float[] x, int xo, float mu, float rs, float[] w, int wo, float[] b, int bo,
                   float[] out, int oo, int c) {
        int i = 0;
        for (; i <= c - L; i += L) {
            FloatVector.fromArray(S, x, xo + i).sub(mu).mul(rs).mul(FloatVector.fromArray(S, w, wo + i))
                    .add(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
        if (i < c) super.normalize(x, xo + i, mu, rs, w, wo + i, b, bo + i, out, oo + i, c - i);
    }

    @Override
    void inputGrad(float[] dy, int yo, float[] w, int wo, float[] x, int xo, float mu, float rs,
                   float gMean, float gxMean, float[] dx, int dxo, int c) {
        int i = 0;
        for (; i <= c - L; i += L) {
            FloatVector xh = FloatVector.fromArray(S, x, xo + i).sub(mu).mul(rs);
            FloatVector g = FloatVector.fromArray(S, dy, yo + i).mul(FloatVector.fromArray(S, w, wo + i));
            FloatVector d = g.sub(gMean).sub(xh.mul(gxMean)).mul(rs);
            FloatVector.fromArray(S, dx, dxo + i).add(d).intoArray(dx, dxo + i);
        }
        if (i < c) super.inputGrad(dy, yo + i, w, wo + i, x, xo + i, mu, rs, gMean, gxMean, dx, dxo + i, c - i);
    }

    @Override
    void paramGrad(float[] dy, int yo, float[] x, int xo, float mu, float rs, float[] sw, float[] sb, int len) {
        int i = 0;
        for (; i <= len - L; i += L) {
            FloatVector g = FloatVector.fromArray(S, dy, yo + i);
            FloatVector.fromArray(S, sw, i).add(g.mul(FloatVector.fromArray(S, x, xo + i).sub(mu)).mul(rs)).intoArray(sw, i);
            FloatVector.fromArray(S, sb, i).add(g).intoArray(sb, i);
        }
        for (; i < len; i++) {
            float g = dy[yo + i];
            sw[i] += g * (x[xo + i] - mu) * rs;
            sb[i] += g;
        }
    }

    // The chains of the plain kernel held in registers: lane j is chain j (16 lanes), or chains
    // j and 8 + j sit in two accumulators (8 lanes); other widths use the plain code.
    @Override
    float sum(float[] x, int xo, int c, float[] acc) {
        if (L != 16 && L != 8) return super.sum(x, xo, c, acc);
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        int i = 0;
        for (; i <= c - CHAINS; i += CHAINS) {
            s0 = s0.add(FloatVector.fromArray(S, x, xo + i));
            if (L == 8) s1 = s1.add(FloatVector.fromArray(S, x, xo + i + L));
        }
        s0.intoArray(acc, 0);
        if (L == 8) s1.intoArray(acc, L);
        for (; i < c; i++) acc[i % CHAINS] += x[xo + i];
        return FusedAttention.combine(acc, 0);
    }

    @Override
    float sumSquaredDeviations(float[] x, int xo, int c, float mu, float[] acc) {
        if (L != 16 && L != 8) return super.sumSquaredDeviations(x, xo, c, mu, acc);
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        int i = 0;
        for (; i <= c - CHAINS; i += CHAINS) {
            FloatVector d = FloatVector.fromArray(S, x, xo + i).sub(mu);
            s0 = s0.add(d.mul(d));
            if (L == 8) {
                FloatVector e = FloatVector.fromArray(S, x, xo + i + L).sub(mu);
                s1 = s1.add(e.mul(e));
            }
        }
        s0.intoArray(acc, 0);
        if (L == 8) s1.intoArray(acc, L);
        for (; i < c; i++) {
            float d = x[xo + i] - mu;
            acc[i % CHAINS] += d * d;
        }
        return FusedAttention.combine(acc, 0);
    }

    @Override
    void rowSums(float[] dy, int yo, float[] w, int wo, float[] x, int xo, float mu, float rs, int c,
                 float[] acc, float[] out) {
        if (L != 16 && L != 8) {
            super.rowSums(dy, yo, w, wo, x, xo, mu, rs, c, acc, out);
            return;
        }
        FloatVector g0 = FloatVector.zero(S), g1 = FloatVector.zero(S), h0 = FloatVector.zero(S), h1 = FloatVector.zero(S);
        int i = 0;
        for (; i <= c - CHAINS; i += CHAINS) {
            FloatVector g = FloatVector.fromArray(S, dy, yo + i).mul(FloatVector.fromArray(S, w, wo + i));
            g0 = g0.add(g);
            h0 = h0.add(g.mul(FloatVector.fromArray(S, x, xo + i).sub(mu)).mul(rs));
            if (L == 8) {
                FloatVector e = FloatVector.fromArray(S, dy, yo + i + L).mul(FloatVector.fromArray(S, w, wo + i + L));
                g1 = g1.add(e);
                h1 = h1.add(e.mul(FloatVector.fromArray(S, x, xo + i + L).sub(mu)).mul(rs));
            }
        }
        g0.intoArray(acc, 0);
        h0.intoArray(acc, CHAINS);
        if (L == 8) {
            g1.intoArray(acc, L);
            h1.intoArray(acc, CHAINS + L);
        }
        for (; i < c; i++) {
            float g = dy[yo + i] * w[wo + i];
            acc[i % CHAINS] += g;
            acc[CHAINS + i % CHAINS] += g * (x[xo + i] - mu) * rs;
        }
        out[0] = FusedAttention.combine(acc, 0);
        out[1] = FusedAttention.combine(acc, CHAINS);
    }
}
