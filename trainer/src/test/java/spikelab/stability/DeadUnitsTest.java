package spikelab.stability;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;

import org.junit.jupiter.api.Test;
import spikelab.backend.cpu.CpuBackend;
import spikelab.model.Activation;
import spikelab.model.ModelConfig;
import spikelab.model.Parameter;
import spikelab.model.Transformer;

class DeadUnitsTest {
    /** Each row's RMS is over its own units; a unit lives if it reaches 1e-3 of it on any one row. */
    @Test
    void peakIsTheLargestRatioToTheRowRms() {
        float[] acts = {2, 0, 0, 1e-3f,
                        0, 1, 0, -4e-3f};
        // row RMS: sqrt((4 + 1e-6)/4) ~ 1.00000012 and sqrt((1 + 1.6e-5)/4) ~ 0.500004
        double[] peak = DeadUnits.peakRatios(acts, 2, 4);
        double rms0 = Math.sqrt((4 + 1e-6) / 4), rms1 = Math.sqrt((1 + 1.6e-5) / 4);
        assertEquals(2 / rms0, peak[0], 1e-6);
        assertEquals(1 / rms1, peak[1], 1e-6);
        assertEquals(0, peak[2]);
        assertEquals(Math.max(1e-3 / rms0, 4e-3 / rms1), peak[3], 1e-9);
        assertArrayEquals(new boolean[] {false, false, true, false}, DeadUnits.deadUnits(acts, 2, 4));
    }

    @Test
    void theBarIsRelativeSoScaleDoesNotMatterAndTinyGeluTailsAreDead() {
        Random r = new Random(2);
        int rows = 32, h = 16;
        float[] acts = new float[rows * h];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < h; j++) {
                // units 0..3 only ever give GELU's small negative tail (|a| ~ 1e-5 of the scale)
                acts[i * h + j] = j < 4 ? (float) (-1e-5 * r.nextDouble()) : (float) r.nextGaussian();
            }
        }
        boolean[] dead = DeadUnits.deadUnits(acts, rows, h);
        for (int j = 0; j < h; j++) assertEquals(j < 4, dead[j], "unit " + j);
        for (float scale : new float[] {1e-4f, 1e4f}) {
            float[] scaled = acts.clone();
            for (int i = 0; i < scaled.length; i++) scaled[i] *= scale;
            assertArrayEquals(dead, DeadUnits.deadUnits(scaled, rows, h), "scale " + scale);
        }
        assertEquals(0.25, DeadUnits.fraction(dead));
    }

    @Test
    void allZeroRowsGiveNoLifeAndANonFiniteValueMakesNoUnitDead() {
        float[] acts = {0, 0, 0,
                        0, 1, 1e-5f,
                        2, 1, 0};
        assertArrayEquals(new boolean[] {false, false, true}, DeadUnits.deadUnits(acts, 3, 3));
        acts[0] = Float.NaN;                                            // a broken layer: nobody is called dead
        double[] peak = DeadUnits.peakRatios(acts, 3, 3);
        for (double p : peak) assertTrue(Double.isNaN(p));
        assertArrayEquals(new boolean[] {false, false, false}, DeadUnits.deadUnits(acts, 3, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeadUnits.peakRatios(acts, 2, 3));
        assertEquals("activation matrix has 9 values, expected rows 2 x h 3", e.getMessage());
    }

    @Test
    void trackerCountsDeathsAndRecoveriesPerUnitAndSurvivesItsState() {
        DeadUnitTracker t = new DeadUnitTracker(2, 4);
        assertEquals(0.5, t.observe(0, new boolean[] {true, true, false, false}));
        assertEquals(0.0, t.observe(1, new boolean[] {false, false, false, false}));
        assertTrue(Double.isNaN(new DeadUnitTracker(1, 1).recoveredFraction()), "no unit ever died");
        // next probe: unit 0 comes back, unit 2 dies; layer 1 unit 3 dies
        assertEquals(0.5, t.observe(0, new boolean[] {false, true, true, false}));
        assertEquals(0.25, t.observe(1, new boolean[] {false, false, false, true}));
        // last probe: unit 0 dies again (still counted as recovered), layer 1 unit 3 comes back
        t.observe(0, new boolean[] {true, true, true, false});
        t.observe(1, new boolean[] {false, false, false, false});
        assertEquals(3, t.deadNow());
        assertEquals(4, t.everDead());
        assertEquals(2, t.recovered());
        assertEquals(0.5, t.recoveredFraction());

        DeadUnitTracker back = new DeadUnitTracker(2, 4);
        back.restore(t.state());
        assertEquals(t.state(), back.state());
        assertEquals("7330", t.state().get(0).getAsString(), "digit = now 1 | ever 2 | recovered 4");
        assertEquals("0006", t.state().get(1).getAsString());
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        back.addTo(o);
        assertEquals(3, o.get("dead_units_now").getAsInt());
        assertEquals(4, o.get("dead_units_ever").getAsInt());
        assertEquals(2, o.get("dead_units_recovered").getAsInt());
        assertEquals(0.5, o.get("dead_recovered_fraction").getAsDouble());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DeadUnitTracker(3, 4).restore(t.state()));
        assertEquals("dead-unit state has 2 layers, the model 3", e.getMessage());
    }

    /**
     * Zeroing the input rows (gate rows for gated FFNs) of some units in one layer makes their
     * pre-activation exactly 0 for every token; relu(0), gelu(0) and silu(0)·up are all exactly
     * 0, so exactly those units must be counted dead, in that layer only.
     */
    @Test
    void unitsForcedDeadInOneLayerAreCountedThere() {
        for (Activation act : new Activation[] {Activation.RELU, Activation.GELU, Activation.SWIGLU, Activation.GEGLU}) {
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
                for (int l = 0; l < 2; l++) {
                    float[] acts = new float[rows * h];
                    be.download(model.ffnActivation(l), acts);
                    boolean[] d = DeadUnits.deadUnits(acts, rows, h);
                    for (int u = 0; u < h; u++) assertEquals(l == 1 && u < killed, d[u], act.cliName() + " layer " + l + " unit " + u);
                    dead[l] = DeadUnits.fraction(d);
                }
                assertArrayEquals(new double[] {0, (double) killed / h}, dead, act.cliName());
                assertEquals(killed / (2.0 * h), DeadUnits.mean(dead), 0);
            }
        }
    }

    @Test
    void outlierRatioIsOneForEqualValuesAndRootNWhenOneValueCarriesAll() {
        int rows = 3, h = 16;
        float[] even = new float[rows * h], single = new float[rows * h], two = new float[rows * h];
        for (int i = 0; i < even.length; i++) {
            even[i] = (i % 2 == 0 ? 1 : -1) * 3f;
            two[i] = 1f;
        }
        two[7] = 10f;                                // max 10, RMS sqrt((47 + 100) / 48)
        single[h + 5] = -7f;
        assertEquals(1.0, DeadUnits.outlierRatio(even, rows, h), 1e-12);
        assertEquals(Math.sqrt(rows * h), DeadUnits.outlierRatio(single, rows, h), 1e-12);
        assertEquals(10 / Math.sqrt(147.0 / 48), DeadUnits.outlierRatio(two, rows, h), 1e-12);
        assertEquals(0.0, DeadUnits.outlierRatio(new float[rows * h], rows, h));
        single[3] = Float.NaN;
        assertTrue(Double.isNaN(DeadUnits.outlierRatio(single, rows, h)), "a non-finite value is NaN");
        single[3] = Float.POSITIVE_INFINITY;
        assertTrue(Double.isNaN(DeadUnits.outlierRatio(single, rows, h)), "an infinite value is NaN");
    }
}
