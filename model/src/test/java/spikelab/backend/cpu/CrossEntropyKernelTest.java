package spikelab.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cross-entropy kernel: the vector kernel against the plain one bit for bit (rows with
 * and without tails, several blocks), and the whole loss on a GPT-2-sized row against a
 * double-precision reference. The gradient itself is checked by finite differences in
 * OpGradientTest.
 */
class CrossEntropyKernelTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 65, 1024, 1037, 5000})
    void vectorKernelGivesThePlainKernelsBits(int v) {
        CrossEntropyKernel vector = VectorKernels.choose("spikelab.crossentropy",
                "spikelab.backend.cpu.VectorCrossEntropyKernel", CrossEntropyKernel.class, CrossEntropyKernel::new);
        assumeTrue(vector instanceof VectorCrossEntropyKernel, "no jdk.incubator.vector in this JVM: only the plain kernel runs");
        CrossEntropyKernel plain = new CrossEntropyKernel();
        Random rnd = new Random(v);
        float[] x = new float[v + 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) (4 * rnd.nextGaussian());
        float[] sp = new float[CrossEntropyKernel.BLOCK], sv = sp.clone(), ap = new float[16], av = new float[16];

        float m = plain.max(x, 1, v);
        assertEquals(m, vector.max(x, 1, v), "row max");
        assertEquals(plain.sumExp(x, 1, v, m, sp, ap), vector.sumExp(x, 1, v, m, sv, av), "Σ e^(x − max)");
        float[] dp = x.clone(), dv = x.clone();
        plain.grad(dp, 1, m + 2f, 0.25f, -0.03f, dp, 1, v);   // in place, as the model calls it
        vector.grad(dv, 1, m + 2f, 0.25f, -0.03f, dv, 1, v);
        assertArrayEquals(dp, dv, "gradient row");
    }

    @Test
    void maxFollowsMathMaxRules() {
        CrossEntropyKernel k = new CrossEntropyKernel();
        assertTrue(Float.isNaN(k.max(new float[] {1f, Float.NaN, 3f}, 0, 3)), "a NaN logit makes the row NaN");
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(k.max(new float[] {-0f, 0f, -1f}, 0, 3)));
    }

    @Test
    void gpt2SizedRowMatchesDoublePrecision() {
        int n = 4, v = 50_257;
        Random rnd = new Random(7);
        float[] logits = new float[n * v];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (3 * rnd.nextGaussian());
        int[] targets = {0, 17, v - 1, 12_345};
        float[] losses = new float[n], logZ = new float[n];
        CrossEntropy.forward(Parallel.SERIAL, losses, 0, logZ, 0, logits, 0, targets, n, v);
        float[] d = logits.clone();
        float scale = 0.25f, z = 1e-4f;
        CrossEntropy.backward(Parallel.SERIAL, d, 0, d, 0, logZ, 0, targets, n, v, scale, z);
        for (int r = 0; r < n; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < v; j++) max = Math.max(max, logits[r * v + j]);
            for (int j = 0; j < v; j++) sum += Math.exp(logits[r * v + j] - max);
            double lz = max + Math.log(sum);
            assertEquals(lz, logZ[r], 2e-6 * Math.abs(lz), "logZ of row " + r);
            assertEquals(lz - logits[r * v + targets[r]], losses[r], 4e-6 * Math.abs(lz), "loss of row " + r);
            for (int j = 0; j < v; j += 997) {
                double p = Math.exp(logits[r * v + j] - lz);
                double want = scale * (p - (j == targets[r] ? 1 : 0)) + z * 2 * lz * p;
                assertEquals(want, d[r * v + j], 1e-6 * Math.abs(want) + 1e-12, "dlogit " + j + " of row " + r);
            }
            double p = Math.exp(logits[r * v + targets[r]] - lz);
            assertEquals(scale * (p - 1) + z * 2 * lz * p, d[r * v + targets[r]], 1e-6, "dlogit of the target, row " + r);
        }
    }
}
