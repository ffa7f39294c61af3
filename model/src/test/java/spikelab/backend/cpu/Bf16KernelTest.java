package spikelab.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import spikelab.backend.Bf16;

/**
 * The bulk bf16 rounding against {@link Bf16#round} (itself checked on ties, subnormals, NaN
 * and overflow in Bf16Test), bit for bit: the vector kernel on random bit patterns of every
 * class, with tails that are not whole vectors, in place and into another array, and the
 * row-block form on several threads.
 */
class Bf16KernelTest {
    private static float[] randomBits(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        int[] specials = {0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffbfffff, 0x7f7f8000, 0x3f808000,
                0x00008000, 0x80018000, 0x7fffffff};
        for (int i = 0; i < n; i++) {
            x[i] = i % 7 == 0 ? Float.intBitsToFloat(specials[(i / 7) % specials.length])
                    : Float.intBitsToFloat(rnd.nextInt());
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 64, 1000})
    void vectorKernelRoundsAsBf16Round(int n) {
        Bf16Kernel kernel = Bf16Kernel.get();
        assumeTrue(kernel instanceof VectorBf16Kernel, "no jdk.incubator.vector in this JVM: only the plain kernel runs");
        float[] x = randomBits(n + 3, n);
        float[] out = new float[n + 5];
        kernel.round(x, 3, out, 2, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(Bf16.round(x[3 + i])), Float.floatToRawIntBits(out[2 + i]),
                    () -> "input bits " + Integer.toHexString(Float.floatToRawIntBits(x[3])));
        }
        assertEquals(0, Float.floatToRawIntBits(out[0]), "nothing written before the run");
        assertEquals(0, Float.floatToRawIntBits(out[n + 2]), "nothing written after the run");
        float[] inPlace = x.clone();
        kernel.round(inPlace, 3, inPlace, 3, n);
        for (int i = 0; i < n; i++) assertEquals(Float.floatToRawIntBits(out[2 + i]), Float.floatToRawIntBits(inPlace[3 + i]));
    }

    @Test
    void rowBlocksOnSeveralThreadsRoundEveryElementOnce() {
        int rows = 37, cols = 45, ld = 50;
        float[] x = randomBits(3 + rows * ld, 11);
        float[] out = new float[rows * cols + 1];
        try (Parallel par = new Parallel(3)) {
            Bf16Kernel.get().roundRows(par, x, 3, ld, rows, cols, out, 1, cols);
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                assertEquals(Float.floatToRawIntBits(Bf16.round(x[3 + r * ld + j])),
                        Float.floatToRawIntBits(out[1 + r * cols + j]), "row " + r + ", column " + j);
            }
        }
    }
}
