package spikelab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** {@link AdamWKernel} on the CPU's preferred vector width; loaded by name only when jdk.incubator.vector is present. */
final class VectorAdamWKernel extends AdamWKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Override
    void update(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int len,
                float lr, float beta1, float beta2, float eps, float wd, float gradScale, float c1, float c2) {
        float a1 = 1f - beta1, a2 = 1f - beta2;
        int i = 0;
        for (; i <= len - L; i += L) {
            FloatVector gi = FloatVector.fromArray(S, g, go + i).mul(gradScale);
            FloatVector mi = FloatVector.fromArray(S, m, mo + i).mul(beta1).add(gi.mul(a1));
            FloatVector vi = FloatVector.fromArray(S, v, vo + i).mul(beta2).add(gi.mul(a2).mul(gi));
            mi.intoArray(m, mo + i);
            vi.intoArray(v, vo + i);
            FloatVector update = mi.div(c1).div(vi.div(c2).sqrt().add(eps));
            FloatVector pi = FloatVector.fromArray(S, p, po + i);
            pi.sub(update.add(pi.mul(wd)).mul(lr)).intoArray(p, po + i);
        }
        if (i < len) super.update(p, po + i, g, go + i, m, mo + i, v, vo + i, len - i, lr, beta1, beta2, eps, wd, gradScale, c1, c2);
    }
}
