package spikelab.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import spikelab.model.Activation;
import spikelab.model.Activation.Gate;

/**
 * The fast activation kernels: FloatMath.exp against Math.exp, the plain-Java and Vector API
 * kernels bit for bit (the CPU backend's determinism must not depend on which one the JVM
 * offers), and both against the double-precision reference math of {@link Activation}.
 */
class ActivationKernelTest {
    private static final ActivationKernel SCALAR = new ActivationKernel();
    private static final ActivationKernel VECTOR = new VectorActivationKernel();

    @Test
    void expIsWithinTwoUlpOverItsRange() {
        double worst = 0;
        for (int i = 0; i <= 2_000_000; i++) {
            float x = FloatMath.EXP_LO + (FloatMath.EXP_HI - FloatMath.EXP_LO) * i / 2_000_000f;
            double ref = Math.exp(x);
            double err = Math.abs(FloatMath.exp(x) - ref) / Math.ulp((float) ref);
            worst = Math.max(worst, err);
        }
        assertTrue(worst <= 2.0, "worst exp error " + worst + " ulp");
        assertEquals(1f, FloatMath.exp(0f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(100f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, FloatMath.exp(-100f));
        assertEquals(0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
    }

    @Test
    void vectorAndPlainKernelsGiveTheSameBits() {
        Random rnd = new Random(7);
        int len = 8 * 37 + 5; // a tail after the last full vector
        float[] x = inputs(rnd, len), u = inputs(rnd, len), dy = inputs(rnd, len);
        for (Gate g : Gate.values()) {
            float[] a1 = new float[len + 3], a2 = new float[len + 3];
            SCALAR.value(g, x, 1, a1, 2, len - 1);
            VECTOR.value(g, x, 1, a2, 2, len - 1);
            sameBits(a1, a2, g + " value");
            SCALAR.gatedValue(g, x, 0, u, 0, a1, 0, len);
            VECTOR.gatedValue(g, x, 0, u, 0, a2, 0, len);
            sameBits(a1, a2, g + " gated value");
            SCALAR.grad(g, dy, 0, x, 0, a1, 1, len);
            VECTOR.grad(g, dy, 0, x, 0, a2, 1, len);
            sameBits(a1, a2, g + " grad");
            float[] b1 = new float[len], b2 = new float[len];
            SCALAR.gatedGrad(g, dy, 0, x, 0, u, 0, a1, 0, b1, 0, len);
            VECTOR.gatedGrad(g, dy, 0, x, 0, u, 0, a2, 0, b2, 0, len);
            sameBits(a1, a2, g + " gated grad (gate)");
            sameBits(b1, b2, g + " gated grad (up)");
        }
        float[] e1 = new float[len], e2 = new float[len];
        for (float shift : new float[]{0f, -0f, 3.5f, -2f, Float.NaN}) {
            SCALAR.expShifted(x, 0, shift, e1, 0, len);
            VECTOR.expShifted(x, 0, shift, e2, 0, len);
            sameBits(e1, e2, "exp(x - " + shift + ")");
        }
    }

    @Test
    void kernelsMatchTheReferenceMath() {
        Random rnd = new Random(11);
        int len = 4001;
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) (rnd.nextGaussian() * (i % 3 == 0 ? 8 : 2));
        float[] ones = new float[len];
        java.util.Arrays.fill(ones, 1f);
        for (Gate g : Gate.values()) {
            float[] val = new float[len], grad = new float[len];
            VECTOR.value(g, x, 0, val, 0, len);
            VECTOR.grad(g, ones, 0, x, 0, grad, 0, len);
            for (int i = 0; i < len; i++) {
                float tol = 2e-6f * Math.max(1f, Math.abs(x[i]));
                float refV = Activation.gate(g, x[i]), refG = Activation.gateGrad(g, x[i]);
                assertTrue(Math.abs(val[i] - refV) <= tol, g + "(" + x[i] + ") = " + val[i] + ", reference " + refV);
                assertTrue(Math.abs(grad[i] - refG) <= tol, g + "'(" + x[i] + ") = " + grad[i] + ", reference " + refG);
            }
        }
    }

    // Gaussian values at several scales plus the edges: zeros of both signs, infinities, NaN,
    // subnormals and the exp cut-offs.
    private static float[] inputs(Random rnd, int len) {
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, 87f, -87f, 88f, -88f, 44f, -44f, 1e-20f, -1e-20f, 100f, -100f};
        float[] x = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = i < special.length ? special[i] : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(4) - 1));
        }
        return x;
    }

    private static void sameBits(float[] a, float[] b, String what) {
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToIntBits(a[i]), Float.floatToIntBits(b[i]),
                    what + " differs at " + i + ": " + a[i] + " vs " + b[i]);
        }
    }
}
