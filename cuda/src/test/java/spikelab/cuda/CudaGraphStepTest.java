package spikelab.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import spikelab.backend.Backend;
import spikelab.backend.Precision;
import spikelab.backend.cpu.CpuBackend;
import spikelab.cuda.matmul.Matmuls;
import spikelab.model.Activation;
import spikelab.model.ModelConfig;
import spikelab.model.Parameter;
import spikelab.model.Rng;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;
import spikelab.optim.TrainStep;

/**
 * The device-resident training step ({@link TrainStep}) on CUDA: eager against the CPU within
 * float tolerance, and replayed as a CUDA graph against eager to the bit (a recording must run
 * exactly the kernels the Java code would have launched), including after the backend freed
 * memory between steps, which forces a new recording.
 */
@Tag("gpu")
class CudaGraphStepTest {
    static final int B = 4, STEPS = 6;

    /** What a run measured per step, and where it left the parameters and Adam's moments. */
    record Trace(float[] losses, double[] norms, double[] ratios, float[][] maxLogits, float[] params, float[] m) {}

    static ModelConfig config(Activation act, boolean qkNorm) {
        return ModelConfig.builder().vocabSize(65).dModel(64).heads(4).layers(2).context(32)
                .activation(act).qkNorm(qkNorm).build();
    }

    /** STEPS steps; with {@code evict}, reductions over nine new segment lists after step 3 free cached tables. */
    static Trace run(Backend be, ModelConfig cfg, boolean evict) {
        Transformer model = new Transformer(be, cfg, B, 1337);
        AdamW adam = new AdamW(model, 0.9f, 0.95f, 1e-8f, 0.1f);
        TrainStep step = new TrainStep(model, adam, 0.8, true);
        Rng rng = new Rng(5);
        int n = B * cfg.context();
        int[] in = new int[n], tg = new int[n];
        float[] losses = new float[STEPS];
        double[] norms = new double[STEPS], ratios = new double[STEPS];
        float[][] maxLogits = new float[STEPS][];
        for (int s = 0; s < STEPS; s++) {
            for (int i = 0; i < n; i++) {
                in[i] = (int) (rng.nextDouble() * cfg.vocabSize());
                tg[i] = (in[i] * 7 + 3) % cfg.vocabSize();
            }
            TrainStep.Result r = step.run(in, tg, 3e-3f);
            assertTrue(r.updated(), "step " + (s + 1) + " should update");
            losses[s] = r.loss();
            norms[s] = r.gradNorm();
            ratios[s] = r.updateRatio();
            maxLogits[s] = r.maxAttentionLogit();
            if (evict && s == 2) {
                for (int j = 1; j <= 9; j++) be.sumSquares(model.params(), new long[] {j, j});
            }
        }
        return new Trace(losses, norms, ratios, maxLogits, Pair.get(be, model.params()), Pair.get(be, adam.m()));
    }

    static Trace runCuda(ModelConfig cfg, boolean graphs, boolean evict, boolean kernels) {
        String old = System.getProperty(Matmuls.PROPERTY);
        try {
            if (kernels) System.setProperty(Matmuls.PROPERTY, "kernels");
            try (CudaBackend be = new CudaBackend(0, Precision.FP32, graphs)) {
                return run(be, cfg, evict);
            }
        } finally {
            if (old == null) System.clearProperty(Matmuls.PROPERTY);
            else System.setProperty(Matmuls.PROPERTY, old);
        }
    }

    @ParameterizedTest
    @CsvSource({"gelu,false,false", "swiglu,true,false", "swiglu,false,true"})
    void graphReplayEqualsEagerToTheBit(String act, boolean qkNorm, boolean kernels) {
        Pair.skipWithoutGpu();
        ModelConfig cfg = config(Activation.parse(act), qkNorm);
        Trace cpu;
        try (CpuBackend be = new CpuBackend(2)) {
            cpu = run(be, cfg, false);
        }
        Trace eager = runCuda(cfg, false, false, kernels);
        Trace graph = runCuda(cfg, true, false, kernels);
        Trace regraphed = runCuda(cfg, true, true, kernels);
        for (int s = 0; s < STEPS; s++) {
            assertEquals(cpu.losses[s], eager.losses[s], 1e-4 * cpu.losses[s], "loss at step " + (s + 1));
            assertEquals(cpu.norms[s], eager.norms[s], 1e-4 * cpu.norms[s], "grad norm at step " + (s + 1));
        }
        double pe = Pair.relErr(eager.params, cpu.params);
        assertTrue(pe < 1e-4, "parameters after " + STEPS + " steps: relative error " + pe + " against the CPU");
        for (Trace t : new Trace[] {graph, regraphed}) {
            String what = t == graph ? "graph replay" : "graph replay re-recorded after a free";
            assertArrayEquals(eager.losses, t.losses, what + ": losses");
            assertArrayEquals(eager.norms, t.norms, what + ": gradient norms");
            assertArrayEquals(eager.ratios, t.ratios, what + ": update ratios");
            for (int s = 0; s < STEPS; s++) assertArrayEquals(eager.maxLogits[s], t.maxLogits[s], what + ": max logits");
            assertArrayEquals(eager.params, t.params, what + ": parameters");
            assertArrayEquals(eager.m, t.m, what + ": Adam's first moments");
        }
    }

    @Test
    void aNonFiniteGradientSkipsEveryReplayedUpdate() {
        Pair.skipWithoutGpu();
        try (CudaBackend be = new CudaBackend(0, Precision.FP32, true)) {
            ModelConfig cfg = config(Activation.GELU, false);
            Transformer model = new Transformer(be, cfg, B, 1337);
            AdamW adam = new AdamW(model, 0.9f, 0.95f, 1e-8f, 0.1f);
            TrainStep step = new TrainStep(model, adam, 1.0, false);
            Parameter w = model.parameters().stream().filter(p -> p.layer() == 0 && p.shape().dimension() == 2)
                    .findFirst().orElseThrow();
            float[] values = Pair.get(be, w.value());
            values[0] = Float.POSITIVE_INFINITY;
            be.upload(w.value(), values);
            float[] params = Pair.get(be, model.params());
            int n = B * cfg.context();
            int[] in = new int[n], tg = new int[n];
            for (int i = 0; i < n; i++) tg[i] = (in[i] = i % cfg.vocabSize()) % 7;
            for (int s = 0; s < 3; s++) {   // eager, recorded, replayed
                TrainStep.Result r = step.run(in, tg, 1e-3f);
                assertFalse(r.updated(), "step " + (s + 1) + " has a non-finite gradient and must not update");
            }
            assertArrayEquals(params, Pair.get(be, model.params()), "parameters must stay as they were");
            assertEquals(0, adam.step());
        }
    }
}
