package spikelab.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import spikelab.backend.Backend;
import spikelab.backend.cpu.CpuBackend;
import spikelab.model.Activation;
import spikelab.model.ModelConfig;
import spikelab.model.Norm;
import spikelab.model.Rng;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;

/**
 * Whole training steps of a tiny transformer (forward, backward, global gradient norm with
 * clipping, AdamW): CUDA against the CPU reference, and two identical CUDA runs against each
 * other, which must agree to the bit (no float atomics anywhere in a step).
 */
@Tag("gpu")
class CudaTrainingStepTest {
    static final int B = 4, STEPS = 3;

    /** What a run leaves behind: per-step losses and grad norms, then the final parameters and grads. */
    static final class Trace {
        final float[] losses = new float[STEPS];
        final double[] norms = new double[STEPS];
        float[] params, grads;
    }

    static ModelConfig config(Activation act, Norm norm, boolean tied, boolean qkNorm) {
        return ModelConfig.builder().vocabSize(65).dModel(64).heads(4).layers(2).context(32)
                .activation(act).norm(norm).tieEmbeddings(tied).qkNorm(qkNorm).build();
    }

    static Trace run(Backend be, ModelConfig cfg) {
        Transformer model = new Transformer(be, cfg, B, 1337);
        AdamW adam = new AdamW(model, 0.9f, 0.95f, 1e-8f, 0.1f);
        Rng rng = new Rng(5);
        int n = B * cfg.context();
        int[] in = new int[n], tg = new int[n];
        Trace tr = new Trace();
        long[] all = {model.grads().size()};
        for (int s = 0; s < STEPS; s++) {
            for (int i = 0; i < n; i++) {
                in[i] = (int) (rng.nextDouble() * cfg.vocabSize());
                tg[i] = (in[i] * 7 + 3) % cfg.vocabSize();      // learnable, so the loss moves
            }
            model.setBatch(in, tg);
            model.zeroGrad();
            tr.losses[s] = model.forward();
            model.backward();
            double norm = Math.sqrt(be.sumSquares(model.grads(), all)[0]);
            tr.norms[s] = norm;
            if (s < STEPS - 1) adam.step(1e-3f, norm > 1 ? (float) (1 / norm) : 1f);
        }
        tr.params = Pair.get(be, model.params());
        tr.grads = Pair.get(be, model.grads());
        return tr;
    }

    @ParameterizedTest
    @CsvSource({"gelu,pre,false,false", "swiglu,pre,true,false", "relu,post,false,false", "gelu,pre,false,true",
            "swiglu,post,false,true"})
    void matchesCpuAndRepeatsToTheBit(String act, String norm, boolean tied, boolean qkNorm) {
        Pair.skipWithoutGpu();
        ModelConfig cfg = config(Activation.parse(act), Norm.valueOf(norm.toUpperCase(java.util.Locale.ROOT)), tied, qkNorm);
        Trace cpu, gpu1, gpu2;
        try (CpuBackend be = new CpuBackend(2)) {
            cpu = run(be, cfg);
        }
        try (CudaBackend be = new CudaBackend(false)) {
            gpu1 = run(be, cfg);
        }
        try (CudaBackend be = new CudaBackend(false)) {
            gpu2 = run(be, cfg);
        }
        for (int s = 0; s < STEPS; s++) {
            assertEquals(cpu.losses[s], gpu1.losses[s], 1e-4 * cpu.losses[s], "loss at step " + (s + 1));
            assertEquals(cpu.norms[s], gpu1.norms[s], 1e-4 * cpu.norms[s], "grad norm at step " + (s + 1));
        }
        assertTrue(cpu.losses[STEPS - 1] < cpu.losses[0], "the loss should fall over the steps");
        double pe = Pair.relErr(gpu1.params, cpu.params), ge = Pair.relErr(gpu1.grads, cpu.grads);
        assertTrue(pe < 1e-4, "parameters after " + (STEPS - 1) + " updates: relative error " + pe);
        assertTrue(ge < 1e-4, "gradients at step " + STEPS + ": relative error " + ge);
        assertArrayEquals(gpu1.losses, gpu2.losses, "GPU losses must repeat to the bit");
        assertArrayEquals(gpu1.params, gpu2.params, "GPU parameters must repeat to the bit");
        assertArrayEquals(gpu1.grads, gpu2.grads, "GPU gradients must repeat to the bit");
    }
}
