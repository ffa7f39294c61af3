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
}
