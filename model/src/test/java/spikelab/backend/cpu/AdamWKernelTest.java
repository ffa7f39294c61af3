package spikelab.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** AdamW's vector kernel against the plain one, bit for bit, over several steps (the update's math is checked in the model tests). */
class AdamWKernelTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 100, 1000})
    void vectorKernelGivesThePlainKernelsBits(int n) {
        AdamWKernel vector = VectorKernels.choose("spikelab.adamw", "spikelab.backend.cpu.VectorAdamWKernel",
                AdamWKernel.class, AdamWKernel::new);
        assumeTrue(vector instanceof VectorAdamWKernel, "no jdk.incubator.vector in this JVM: only the plain kernel runs");
        Random rnd = new Random(n);
        // one arena: parameters, gradients and both moments side by side, as the model keeps them
        float[] arena = new float[4 * n + 1];
        for (int i = 0; i < arena.length; i++) arena[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 4));
        for (int i = 2 * n + 1; i < arena.length; i++) arena[i] = Math.abs(arena[i]);   // v ≥ 0
        arena[2 * n + 1] = 0f;                                                           // v = 0: the eps path
        float[] plain = arena.clone(), vec = arena.clone();
        for (int step = 1; step <= 3; step++) {
            float c1 = (float) (1 - Math.pow(0.9, step)), c2 = (float) (1 - Math.pow(0.95, step));
            new AdamWKernel().update(plain, 1, plain, 1 + n, plain, 1 + 2 * n, plain, 1 + 3 * n, n,
                    1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.5f, c1, c2);
            vector.update(vec, 1, vec, 1 + n, vec, 1 + 2 * n, vec, 1 + 3 * n, n, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.5f, c1, c2);
            assertArrayEquals(plain, vec, "step " + step);
        }
    }
}
