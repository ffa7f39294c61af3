package spikelab.backend.cpu;

import static spikelab.backend.cpu.ActivationKernel.GELU_A;
import static spikelab.backend.cpu.ActivationKernel.SQRT_2_OVER_PI;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import spikelab.model.Activation.Gate;

/**
 * {@link ActivationKernel} on 256-bit vectors: each lane runs exactly the scalar code's
 * operations (same fma's, same order), so the bits match the plain-Java kernel; tails shorter
 * than a vector go to the scalar code. Loaded by name only when jdk.incubator.vector is present.
 */
final class VectorActivationKernel extends ActivationKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int L = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector NEG_LN2_HI = FloatVector.broadcast(S, -FloatMath.LN2_HI);
    private static final FloatVector NEG_LN2_LO = FloatVector.broadcast(S, -FloatMath.LN2_LO);
    private static final FloatVector V_C2 = FloatVector.broadcast(S, FloatMath.C2);
    private static final FloatVector V_C3 = FloatVector.broadcast(S, FloatMath.C3);
    private static final FloatVector V_C4 = FloatVector.broadcast(S, FloatMath.C4);
    private static final FloatVector V_C5 = FloatVector.broadcast(S, FloatMath.C5);

    @Override
    String name() { return "Vector API"; }

    @Override
    void value(Gate g, float[] x, int xo, float[] out, int oo, int len) {
        int i = 0;
        for (; i <= len - L; i += L) value(g, FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
        super.value(g, x, xo + i, out, oo + i, len - i);
    }

    @Override
    void gatedValue(Gate g, float[] a, int ao, float[] u, int uo, float[] out, int oo, int len) {
        int i = 0;
        for (; i <= len - L; i += L) {
            value(g, FloatVector.fromArray(S, a, ao + i)).mul(FloatVector.fromArray(S, u, uo + i)).intoArray(out, oo + i);
        }
        super.gatedValue(g, a, ao + i, u, uo + i, out, oo + i, len - i);
    }

    @Override
    void grad(Gate g, float[] dy, int dyo, float[] x, int xo, float[] dx, int dxo, int len) {
        int i = 0;
        for (; i <= len - L; i += L) {
            FloatVector.fromArray(S, dy, dyo + i).mul(grad(g, FloatVector.fromArray(S, x, xo + i))).intoArray(dx, dxo + i);
        }
        super.grad(g, dy, dyo + i, x, xo + i, dx, dxo + i, len - i);
    }

    @Override
    void gatedGrad(Gate g, float[] dy, int dyo, float[] a, int ao, float[] u, int uo,
                   float[] da, int dao, float[] du, int duo, int len) {
        int i = 0;
        for (; i <= len - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, ao + i), d = FloatVector.fromArray(S, dy, dyo + i);
            d.mul(FloatVector.fromArray(S, u, uo + i)).mul(grad(g, x)).intoArray(da, dao + i);
            d.mul(value(g, x)).intoArray(du, duo + i);
        }
        super.gatedGrad(g, dy, dyo + i, a, ao + i, u, uo + i, da, dao + i, du, duo + i, len - i);
    }

    // ---- lane-wise copies of ActivationKernel.value / grad / geluZ and FloatMath ----

    private static FloatVector value(Gate g, FloatVector u) {
        switch (g) {
            case RELU: return FloatVector.zero(S).blend(u, u.compare(VectorOperators.GT, 0f));
            case GELU: return u.mul(sigmoid(geluZ(u)));
            case SILU: return u.mul(sigmoid(u));
            case SIGMOID: return sigmoid(u);
            case IDENTITY: return u;
            default: throw new AssertionError(g);
        }
    }

    private static FloatVector grad(Gate g, FloatVector u) {
        switch (g) {
            case RELU: return FloatVector.zero(S).blend(1f, u.compare(VectorOperators.GT, 0f));
            case GELU: {
                FloatVector u2 = u.mul(u);
                FloatVector s = sigmoid(geluZ(u));
                FloatVector dy = u2.mul(3f * GELU_A).add(1f).mul(SQRT_2_OVER_PI);
                return u.mul(2f).mul(s.mul(s.neg().add(1f))).mul(dy).add(s);
            }
            case SILU: {
                FloatVector s = sigmoid(u);
                return s.mul(u.mul(s.neg().add(1f)).add(1f));
            }
            case SIGMOID: {
                FloatVector s = sigmoid(u);
                return s.mul(s.neg().add(1f));
            }
            case IDENTITY: return FloatVector.broadcast(S, 1f);
            default: throw new AssertionError(g);
        }
    }

    private static FloatVector geluZ(FloatVector u) {
        return u.mul(u).mul(GELU_A).mul(u).add(u).mul(2f * SQRT_2_OVER_PI);
    }

    private static FloatVector sigmoid(FloatVector z) {
        return ONE.div(exp(z.neg()).add(1f));
    }

    private static FloatVector exp(FloatVector x) {
        FloatVector t = x.fma(FloatMath.LOG2E, FloatMath.SHIFTER);
        FloatVector n = t.sub(FloatMath.SHIFTER);
        FloatVector r = n.fma(NEG_LN2_HI, x);
        r = n.fma(NEG_LN2_LO, r);
        FloatVector p = r.fma(FloatMath.C7, FloatMath.C6);
        p = p.fma(r, V_C5);
        p = p.fma(r, V_C4);
        p = p.fma(r, V_C3);
        p = p.fma(r, V_C2);
        p = p.fma(r, ONE);
        p = p.fma(r, ONE);
        IntVector bits = ((IntVector) t.reinterpretAsInts()).sub(FloatMath.SHIFTER_BITS - 127)
                .lanewise(VectorOperators.LSHL, 23);
        FloatVector e = p.mul(bits.reinterpretAsFloats());
        VectorMask<Float> hi = x.compare(VectorOperators.GT, FloatMath.EXP_HI);
        VectorMask<Float> lo = x.compare(VectorOperators.LT, FloatMath.EXP_LO);
        return e.blend(Float.POSITIVE_INFINITY, hi).blend(0f, lo);
    }
}
