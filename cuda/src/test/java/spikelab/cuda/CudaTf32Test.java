package spikelab.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** With TF32 products the GPU stays within 5e-3 of the fp32 CPU reference (DESIGN §2). */
@Tag("gpu")
class CudaTf32Test {
    private static final double TF32 = 5e-3;

    @Test
    void productsAndAttentionWithinTf32Tolerance() {
        try (Pair p = Pair.openOrSkip(true, 11)) {
            int m = 256, n = 192, k = 320;
            Pair.T a = p.random(m * k, 1), b = p.random(k * n, 1), c = p.zeros(m * n);
            p.cpu.gemm(false, true, m, n, k, 1f, a.c, k, b.c, k, 0f, c.c, n);
            p.gpu.gemm(false, true, m, n, k, 1f, a.g, k, b.g, k, 0f, c.g, n);
            double e = p.relErr(c);
            assertTrue(e < TF32, "tf32 gemm relative error " + e);
            CudaOpsTest.attentionCase(p, 2, 64, 64, 4, TF32);
        }
    }
}
