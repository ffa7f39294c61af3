package spikelab.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import spikelab.backend.Precision;
import spikelab.backend.cpu.CpuBackend;
import spikelab.optim.AdamW;

/** Training steps with bf16 products emulated: deterministic, different from fp32, and as good on a learnable task. */
class Bf16TrainingTest {
    private static final int STEPS = 24;

    /** Per-step losses of a small model learning to copy a repeating pattern. */
    private static float[] losses(Precision precision, int threads, Activation act) {
        ModelConfig cfg = ModelConfig.builder().vocabSize(17).dModel(32).heads(4).layers(2).context(16).activation(act).build();
        int batch = 2, n = batch * cfg.context();
        int[] in = new int[n], tg = new int[n];
        for (int i = 0; i < n; i++) {
            in[i] = (i * 7 + i / 5) % 17;
            tg[i] = (in[i] + 3) % 17;
        }
        float[] out = new float[STEPS];
        try (CpuBackend be = new CpuBackend(threads, precision)) {
            Transformer model = new Transformer(be, cfg, batch, 5);
            AdamW adam = new AdamW(model, 0.9f, 0.95f, 1e-8f, 0.1f);
            for (int s = 0; s < STEPS; s++) {
                model.setBatch(in, tg);
                model.zeroGrad();
                out[s] = model.forward();
                model.backward();
                adam.step(3e-3f, 1f);
            }
        }
        return out;
    }

    @Test
    void bf16StepsRepeatToTheBitWhateverTheThreadCount() {
        for (Activation act : new Activation[] {Activation.GELU, Activation.SWIGLU}) {
            assertArrayEquals(losses(Precision.BF16, 1, act), losses(Precision.BF16, 3, act), act + ": 1 vs 3 threads");
        }
    }

    @Test
    void bf16DiffersFromFp32ButLearnsAsWell() {
        float[] fp = losses(Precision.FP32, 2, Activation.SWIGLU), bf = losses(Precision.BF16, 2, Activation.SWIGLU);
        assertEquals(fp[0], bf[0], 0.02f, "the same initial model");
        assertFalse(Arrays.equals(fp, bf), "bf16 rounding is applied: the per-step losses must differ");
        int differing = 0;
        for (int s = 0; s < STEPS; s++) if (fp[s] != bf[s]) differing++;
        assertTrue(differing > STEPS / 2, differing + " of " + STEPS + " steps differ");
        assertTrue(bf[STEPS - 1] < bf[0] - 0.5f, "bf16 learns: " + bf[0] + " -> " + bf[STEPS - 1]);
        assertEquals(fp[STEPS - 1], bf[STEPS - 1], 0.1f, "bf16 ends near fp32");
    }

    @Test
    void autocastRepeatsToTheBitDiffersFromBf16AndLearns() {
        float[] one = losses(Precision.BF16_AUTOCAST, 1, Activation.SWIGLU);
        assertArrayEquals(one, losses(Precision.BF16_AUTOCAST, 3, Activation.SWIGLU), "1 vs 3 threads");
        float[] bf = losses(Precision.BF16, 2, Activation.SWIGLU), fp = losses(Precision.FP32, 2, Activation.SWIGLU);
        int differing = 0;
        for (int s = 0; s < STEPS; s++) if (one[s] != bf[s]) differing++;
        assertTrue(differing > STEPS / 2, "output rounding is applied on top of bf16's: " + differing + " of " + STEPS + " steps differ");
        assertTrue(one[STEPS - 1] < one[0] - 0.5f, "autocast learns: " + one[0] + " -> " + one[STEPS - 1]);
        assertEquals(fp[STEPS - 1], one[STEPS - 1], 0.1f, "autocast ends near fp32");
    }

    @Test
    void autocastRoundsTheFfnActivationAndItsGradient() {
        try (CpuBackend be = new CpuBackend(2, Precision.BF16_AUTOCAST)) {
            int n = 5, hidden = 7;
            for (Activation act : new Activation[] {Activation.GELU, Activation.SWIGLU}) {
                int w = act.gated() ? 2 * hidden : hidden;
                java.util.Random rnd = new java.util.Random(3);
                float[] pre = new float[n * w], dout = new float[n * hidden];
                for (int i = 0; i < pre.length; i++) pre[i] = (float) rnd.nextGaussian();
                for (int i = 0; i < dout.length; i++) dout[i] = (float) rnd.nextGaussian();
                spikelab.backend.Tensor tp = tensor(be, pre), to = tensor(be, new float[n * hidden]),
                        td = tensor(be, dout), tdp = tensor(be, new float[n * w]);
                be.activationForward(to, tp, n, hidden, act);
                be.activationBackward(tdp, td, tp, n, hidden, act);
                float[] out = new float[n * hidden], dpre = new float[n * w];
                be.download(to, out);
                be.download(tdp, dpre);
                for (float x : out) assertEquals(spikelab.backend.Bf16.round(x), x, act + ": activation not rounded");
                for (float x : dpre) assertEquals(spikelab.backend.Bf16.round(x), x, act + ": gradient not rounded");
                float[] plain = new float[n * hidden];
                try (CpuBackend bf = new CpuBackend(1, Precision.BF16)) {
                    spikelab.backend.Tensor o2 = tensor(bf, new float[n * hidden]);
                    bf.activationForward(o2, tensor(bf, pre), n, hidden, act);
                    bf.download(o2, plain);
                }
                for (int i = 0; i < out.length; i++) {
                    assertEquals(spikelab.backend.Bf16.round(plain[i]), out[i], act + ": autocast = rnd16(bf16's activation)");
                }
            }
        }
    }

    private static spikelab.backend.Tensor tensor(CpuBackend be, float[] data) {
        spikelab.backend.Tensor t = new spikelab.backend.Tensor(be.allocate(data.length), 0, new ai.djl.ndarray.types.Shape(data.length));
        be.upload(t, data);
        return t;
    }

    @Test
    void tf32IsRefusedOnTheCpu() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CpuBackend(1, Precision.TF32));
        assertTrue(e.getMessage().contains("tf32 is a CUDA tensor-core mode"), e.getMessage());
    }

    @Test
    void precisionParsesItsFourNamesAndNamesThemOtherwise() {
        assertEquals(Precision.BF16, Precision.parse("BF16"));
        assertEquals(Precision.BF16_AUTOCAST, Precision.parse("bf16-autocast"));
        assertEquals("bf16-autocast", Precision.BF16_AUTOCAST.cliName());
        assertEquals("fp32", Precision.FP32.cliName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp16"));
        assertEquals("unknown precision 'fp16': choose fp32, tf32, bf16 or bf16-autocast", e.getMessage());
    }
}
