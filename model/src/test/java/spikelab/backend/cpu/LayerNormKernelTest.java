package spikelab.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LayerNorm's vector kernel against the plain one, bit for bit, on rows with and without a
 * tail shorter than a vector, all in one shared array (as the model's arena holds them).
 * LayerNorm's math itself is checked against finite differences in OpGradientTest.
 */
class LayerNormKernelTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 37, 128, 200})
    void vectorKernelGivesThePlainKernelsBits(int c) {
        LayerNormKernel vector = VectorKernels.choose("spikelab.layernorm", "spikelab.backend.cpu.VectorLayerNormKernel",
                LayerNormKernel.class, LayerNormKernel::new);
        assumeTrue(vector instanceof VectorLayerNormKernel, "no jdk.incubator.vector in this JVM: only the plain kernel runs");
        LayerNormKernel plain = new LayerNormKernel();
        Random rnd = new Random(c);
        float[] base = new float[6 * c + 3];
        for (int i = 0; i < base.length; i++) base[i] = (float) rnd.nextGaussian();
        int x = 1, dy = 1 + c, w = 1 + 2 * c, b = 1 + 3 * c, out = 1 + 4 * c;
        float mu = 0.3f, rs = 1.7f, gMean = -0.2f, gxMean = 0.45f;

        float[] p = base.clone(), v = base.clone();
        plain.normalize(p, x, mu, rs, p, w, p, b, p, out, c);
        vector.normalize(v, x, mu, rs, v, w, v, b, v, out, c);
        assertArrayEquals(p, v, "normalize");

        plain.inputGrad(p, dy, p, w, p, x, mu, rs, gMean, gxMean, p, out, c);
        vector.inputGrad(v, dy, v, w, v, x, mu, rs, gMean, gxMean, v, out, c);
        assertArrayEquals(p, v, "inputGrad (accumulating)");

        float[] accP = new float[32], accV = new float[32], outP = new float[2], outV = new float[2];
        assertEquals(plain.sum(p, x, c, accP), vector.sum(v, x, c, accV), "row sum");
        assertEquals(plain.sumSquaredDeviations(p, x, c, mu, accP), vector.sumSquaredDeviations(v, x, c, mu, accV), "squared deviations");
        plain.rowSums(p, dy, p, w, p, x, mu, rs, c, accP, outP);
        vector.rowSums(v, dy, v, w, v, x, mu, rs, c, accV, outV);
        assertArrayEquals(outP, outV, "backward row sums");
        // and the chains are the documented ones: chain i mod 16, combined by the fixed tree
        float[] chains = new float[16];
        for (int i = 0; i < c; i++) chains[i % 16] += p[x + i];
        assertEquals(FusedAttention.combine(chains), plain.sum(p, x, c, accP), "plain sum order");

        float[] swP = new float[c], sbP = new float[c], swV = new float[c], sbV = new float[c];
        for (int row = 0; row < 3; row++) {
            plain.paramGrad(p, dy, p, x + row, mu + row, rs, swP, sbP, c);
            vector.paramGrad(v, dy, v, x + row, mu + row, rs, swV, sbV, c);
        }
        assertArrayEquals(swP, swV, "dw sums");
        assertArrayEquals(sbP, sbV, "db sums");
    }
}
