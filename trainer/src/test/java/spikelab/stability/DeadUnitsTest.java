package spikelab.stability;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;

import org.junit.jupiter.api.Test;
import spikelab.backend.Tensor;
import spikelab.backend.cpu.CpuBackend;
import spikelab.model.Activation;
import spikelab.model.ModelConfig;
import spikelab.model.Parameter;
import spikelab.model.Transformer;

class DeadUnitsTest {
    @Test
    void exactZeroRuleForReluFamilyThresholdForTheOthers() {
        float[] max = {0f, 1e-7f, 2e-6f, Float.NaN};
        assertEquals(0.25, DeadUnits.fraction(max, Activation.RELU));
        assertEquals(0.25, DeadUnits.fraction(max, Activation.REGLU));
        assertEquals(0.5, DeadUnits.fraction(max, Activation.GELU));
        assertEquals(0.5, DeadUnits.fraction(max, Activation.SWIGLU));
    }

    @Test
    void unitMaxAbsTakesTheLargestMagnitudePerColumn() {
        float[] acts = {0, -3, 1, Float.NaN,
                        0, 2, -5, 1};
        assertArrayEquals(new float[] {0, 3, 5, Float.NaN}, DeadUnits.unitMaxAbs(acts, 2, 4));
    }

    /**
     * Zeroing the input rows (gate rows for gated FFNs) of some units in one layer makes their
     * pre-activation exactly 0 for every token; relu(0), gelu(0) and silu(0)·up are all exactly
     * 0, so exactly those units must be counted dead, in that layer only.
     */
    @Test
    void unitsForcedDeadInOneLayerAreCountedThere() {
        for (Activation act : new Activation[] {Activation.RELU, Activation.GELU, Activation.SWIGLU}) {
            ModelConfig cfg = ModelConfig.builder().vocabSize(16).dModel(32).heads(2).layers(2).context(8)
                    .activation(act).build();
            int batch = 2, rows = batch * cfg.context(), h = cfg.hidden(), killed = h / 4;
            try (CpuBackend be = new CpuBackend(1)) {
                Transformer model = new Transformer(be, cfg, batch, 7);
                Parameter win = model.parameters().stream().filter(p -> p.name().equals("layers.1.ffn.w_in")).findFirst().orElseThrow();
                float[] w = new float[win.value().intSize()];
                be.download(win.value(), w);
                for (int u = 0; u < killed; u++) {
                    for (int k = 0; k < cfg.dModel(); k++) w[u * cfg.dModel() + k] = 0f;
                }
                be.upload(win.value(), w);
                Random r = new Random(11);
                int[] in = new int[rows], tg = new int[rows];
                for (int i = 0; i < rows; i++) {
                    in[i] = r.nextInt(16);
                    tg[i] = r.nextInt(16);
                }
                model.setBatch(in, tg);
                model.forwardLogits();
                double[] dead = new double[2];
                Tensor unitMax = be.allocate(h).all();
                for (int l = 0; l < 2; l++) {
                    float[] acts = new float[rows * h];
                    be.download(model.ffnActivation(l), acts);
                    float[] host = DeadUnits.unitMaxAbs(acts, rows, h);
                    be.columnAbsMax(unitMax, model.ffnActivation(l), rows, h);
                    float[] device = new float[h];
                    be.download(unitMax, device);
                    assertArrayEquals(host, device, "backend reduction agrees with the host one");
                    dead[l] = DeadUnits.fraction(device, act);
                }
                assertArrayEquals(new double[] {0, (double) killed / h}, dead, act.cliName());
                assertEquals(killed / (2.0 * h), DeadUnits.mean(dead), 0);
            }
        }
    }
}
