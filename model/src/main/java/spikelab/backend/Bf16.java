package spikelab.backend;

/**
 * bfloat16 rounding on fp32 values: the result is the fp32 value of the nearest bf16 number
 * (8 exponent bits like fp32, 7 stored mantissa bits), ties to even, as a GPU's fp32→bf16
 * conversion ({@code __float2bfloat16_rn}) rounds. Because bf16 keeps fp32's exponent range,
 * subnormals stay subnormal (with 7 mantissa bits) and only values within half a bf16 step of
 * the largest float overflow to infinity. NaN stays NaN (quiet, sign kept); ±infinity and ±0
 * are unchanged.
 */
public final class Bf16 {
    private Bf16() {}

    /** x rounded to the nearest bf16 value, ties to even. */
    public static float round(float x) {
        int bits = Float.floatToRawIntBits(x);
        // NaN must not round: its payload could carry into the exponent and read as infinity
        if ((bits & 0x7fffffff) > 0x7f800000) return Float.intBitsToFloat((bits | 0x00400000) & 0xffff0000);
        // add just under half of the dropped part's unit, plus the kept part's lowest bit, so that
        // an exact half rounds to the even neighbour; a carry moves into the exponent as it should
        int lsb = (bits >>> 16) & 1;
        return Float.intBitsToFloat((bits + 0x7fff + lsb) & 0xffff0000);
    }

    /** True when x is a bf16 value (its low 16 bits are zero), NaN included. */
    public static boolean representable(float x) {
        return (Float.floatToRawIntBits(x) & 0xffff) == 0;
    }
}
