package spikelab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@link Bf16Kernel} on the CPU's preferred vector width; loaded by name only when jdk.incubator.vector is present. */
final class VectorBf16Kernel extends Bf16Kernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    // Bf16.round on the bit pattern: (bits + 0x7fff + lsb) & 0xffff0000, lsb the lowest kept
    // bit (ties to even); a NaN instead keeps its top bits with the quiet bit set, since the
    // addition could carry its payload into the exponent
    @Override
    void round(float[] src, int sOff, float[] dst, int dOff, int len) {
        int i = 0;
        for (; i <= len - L; i += L) {
            IntVector bits = (IntVector) FloatVector.fromArray(S, src, sOff + i).reinterpretAsInts();
            IntVector lsb = bits.lanewise(VectorOperators.LSHR, 16).lanewise(VectorOperators.AND, 1);
            IntVector rounded = bits.add(0x7fff).add(lsb);
            VectorMask<Integer> nan = bits.lanewise(VectorOperators.AND, 0x7fffffff).compare(VectorOperators.GT, 0x7f800000);
            rounded = rounded.blend(bits.lanewise(VectorOperators.OR, 0x00400000), nan);
            rounded.lanewise(VectorOperators.AND, 0xffff0000).reinterpretAsFloats().intoArray(dst, dOff + i);
        }
        if (i < len) super.round(src, sOff + i, dst, dOff + i, len - i);
    }
}
