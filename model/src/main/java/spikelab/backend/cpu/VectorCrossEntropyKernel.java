package spikelab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CrossEntropyKernel} on the CPU's preferred vector width: the same operations per lane,
 * so the bits match the plain kernel; tails shorter than a vector go to the plain code. Loaded
 * by name only when jdk.incubator.vector is present.
 */
final class VectorCrossEntropyKernel extends CrossEntropyKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Override
    float max(float[] x, int off, int len) {
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= len - L; i += L) m = m.max(FloatVector.fromArray(S, x, off + i));
        // MAX is exact and order-free under Math.max's rules, so lanes may combine in any order
        return Math.max(m.reduceLanes(VectorOperators.MAX), super.max(x, off + i, len - i));
    }

    @Override
    void scaleTwice(float[] d, int off, int len, float a, float b) {
        int i = 0;
        for (; i <= len - L; i += L) {
            FloatVector p = FloatVector.fromArray(S, d, off + i);
            p.mul(a).add(p.mul(b)).intoArray(d, off + i);
        }
        if (i < len) super.scaleTwice(d, off + i, len - i, a, b);
    }
}
