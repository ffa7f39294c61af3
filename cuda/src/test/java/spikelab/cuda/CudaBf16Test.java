package spikelab.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import spikelab.backend.Precision;
import spikelab.backend.cpu.CpuBackend;
import spikelab.model.Activation;
import spikelab.model.ModelConfig;
import spikelab.model.Norm;

/**
 * bf16 mixed precision on CUDA against the CPU's exact emulation of it (docs/architecture.md,
 * "Precision"). The two compute the same function up to the order of fp32 sums; where a sum
 * lands within an fp32 ulp of a bf16 rounding boundary, the next product's rounded input can
 * differ by one bf16 step (2^-8 relative) in that element, so the tolerances are looser than
 * fp32's but far tighter than the distance between bf16 and fp32, which each test also measures.
 */
@Tag("gpu")
class CudaBf16Test {
    /** A single product: only the fp32 sums' order differs. */
    private static final double PRODUCT = 1e-5;
    /** Attention and whole steps: chained products, so occasional one-step rounding flips. */
    private static final double CHAINED = 2e-3;

    @Test
    void productsAndAttentionMatchTheCpuEmulation() {
        try (Pair p = Pair.openOrSkip(Precision.BF16, 13)) {
            int m = 256, n = 192, k = 320;
            Pair.T a = p.random(m * k, 1), b = p.random(k * n, 1), c = p.zeros(m * n);
            p.cpu.gemm(false, true, m, n, k, 1f, a.c, k, b.c, k, 0f, c.c, n);
            p.gpu.gemm(false, true, m, n, k, 1f, a.g, k, b.g, k, 0f, c.g, n);
            double e = p.relErr(c);
            assertTrue(e < PRODUCT, "bf16 gemm against the CPU emulation: relative error " + e);
            float[] exact = new float[m * n];
            try (CpuBackend fp32 = new CpuBackend(2)) {
                var ca = fp32.allocate(m * k).all();
                var cb = fp32.allocate(k * n).all();
                var cc = fp32.allocate(m * n).all();
                fp32.upload(ca, Pair.get(p.cpu, a.c));
                fp32.upload(cb, Pair.get(p.cpu, b.c));
                fp32.gemm(false, true, m, n, k, 1f, ca, k, cb, k, 0f, cc, n);
                fp32.download(cc, exact);
            }
            double fromFp32 = Pair.relErr(Pair.get(p.gpu, c.g), exact);
            assertTrue(fromFp32 > 100 * e, "bf16 gemm is as close to fp32 (" + fromFp32
                    + ") as to the bf16 emulation (" + e + "): inputs not rounded?");
            CudaOpsTest.attentionCase(p, 2, 64, 64, 4, CHAINED);
        }
    }

    /**
     * Three training steps in bf16 on both backends: per-step losses and gradient norms,
     * parameters and gradients close to the CPU emulation, and much closer to it than to the
     * fp32 run of the same model (so the GPU really trained in bf16).
     */
    @ParameterizedTest
    @CsvSource({"gelu,pre,false,false", "swiglu,pre,true,false", "relu,post,false,true"})
    void trainingStepsMatchTheCpuEmulation(String act, String norm, boolean tied, boolean qkNorm) {
        Pair.skipWithoutGpu();
        ModelConfig cfg = CudaTrainingStepTest.config(Activation.parse(act),
                Norm.valueOf(norm.toUpperCase(java.util.Locale.ROOT)), tied, qkNorm);
        CudaTrainingStepTest.Trace cpu, cpuFp32, gpu;
        try (CpuBackend be = new CpuBackend(2, Precision.BF16)) {
            cpu = CudaTrainingStepTest.run(be, cfg);
        }
        try (CpuBackend be = new CpuBackend(2)) {
            cpuFp32 = CudaTrainingStepTest.run(be, cfg);
        }
        try (CudaBackend be = new CudaBackend(Precision.BF16)) {
            gpu = CudaTrainingStepTest.run(be, cfg);
        }
        for (int s = 0; s < CudaTrainingStepTest.STEPS; s++) {
            assertEquals(cpu.losses[s], gpu.losses[s], CHAINED * cpu.losses[s], "loss at step " + (s + 1));
            assertEquals(cpu.norms[s], gpu.norms[s], CHAINED * cpu.norms[s], "grad norm at step " + (s + 1));
        }
        double pe = Pair.relErr(gpu.params, cpu.params), ge = Pair.relErr(gpu.grads, cpu.grads);
        double peFp32 = Pair.relErr(gpu.params, cpuFp32.params), geFp32 = Pair.relErr(gpu.grads, cpuFp32.grads);
        System.out.printf("[bf16 step] %s: params %.3g from the CPU emulation, %.3g from fp32; grads %.3g, %.3g%n",
                act, pe, peFp32, ge, geFp32);
        assertTrue(pe < CHAINED, "parameters: relative error " + pe);
        assertTrue(ge < CHAINED, "gradients: relative error " + ge);
        assertTrue(ge < geFp32 / 5, "gradients as close to the fp32 run (" + geFp32 + ") as to the bf16 emulation ("
                + ge + "): not bf16?");
    }
}
