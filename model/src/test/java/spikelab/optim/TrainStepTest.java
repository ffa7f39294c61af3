package spikelab.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import spikelab.backend.Backend;
import spikelab.backend.Scalars;
import spikelab.backend.cpu.CpuBackend;
import spikelab.model.Activation;
import spikelab.model.ModelConfig;
import spikelab.model.Parameter;
import spikelab.model.Rng;
import spikelab.model.Transformer;

/**
 * The device-resident step against the same step written out on the host (read the loss, read
 * the per-parameter sums of squares, compute the norm and clipping scale in Java, then AdamW):
 * they must agree to the bit, since the trainer's results must not depend on which one ran.
 */
class TrainStepTest {
    static final int B = 2, STEPS = 6;
    static final float[] LRS = {1e-3f, 3e-3f, 1e-2f, 1e-2f, 5e-3f, 2e-3f};

    static ModelConfig config() {
        return ModelConfig.builder().vocabSize(65).dModel(32).heads(2).layers(2).context(16)
                .activation(Activation.SWIGLU).build();
    }

    static int[][] batch(Rng rng, int n) {
        int[] in = new int[n], tg = new int[n];
        for (int i = 0; i < n; i++) {
            in[i] = (int) (rng.nextDouble() * 65);
            tg[i] = (in[i] * 7 + 3) % 65;
        }
        return new int[][] {in, tg};
    }

    static float[] get(Backend be, spikelab.backend.Tensor t) {
        float[] out = new float[t.intSize()];
        be.download(t, out);
        return out;
    }

    @Test
    void equalsTheStepWrittenOutOnTheHost() {
        double clip = 1.6;   // between the norms this run sees (1.52 to 1.71): some steps clip, some do not
        try (CpuBackend a = new CpuBackend(2); CpuBackend b = new CpuBackend(1)) {
            Transformer ma = new Transformer(a, config(), B, 7), mb = new Transformer(b, config(), B, 7);
            AdamW adamA = new AdamW(ma, 0.9f, 0.95f, 1e-8f, 0.1f), adamB = new AdamW(mb, 0.9f, 0.95f, 1e-8f, 0.1f);
            TrainStep step = new TrainStep(ma, adamA, clip, true);
            long[] lengths = new long[mb.parameters().size()];
            for (int i = 0; i < lengths.length; i++) lengths[i] = mb.parameters().get(i).value().size();
            Rng rng = new Rng(3);
            int clipped = 0;
            for (int s = 0; s < STEPS; s++) {
                int[][] io = batch(rng, B * 16);
                float[] before = get(b, mb.params());
                TrainStep.Result r = step.run(io[0], io[1], LRS[s]);

                mb.setBatch(io[0], io[1]);
                mb.zeroGrad();
                float loss = mb.forward();
                mb.backward();
                double[] sq = b.sumSquares(mb.grads(), lengths);
                double total = 0;
                for (double x : sq) total += x;
                double norm = Math.sqrt(total);
                boolean clips = norm > clip;
                adamB.step(LRS[s], clips ? (float) (clip / norm) : 1f);

                assertEquals(Float.floatToRawIntBits(loss), Float.floatToRawIntBits(r.loss()), "loss at step " + (s + 1));
                assertEquals(Double.doubleToRawLongBits(norm), Double.doubleToRawLongBits(r.gradNorm()),
                        "gradient norm at step " + (s + 1));
                assertArrayEquals(sq, r.paramGradSquares(), "per-parameter sums of squares at step " + (s + 1));
                assertEquals(clips, r.clipped(), "clipped at step " + (s + 1));
                assertTrue(r.updated());
                if (clips) clipped++;
                float[] after = get(b, mb.params());
                assertArrayEquals(after, get(a, ma.params()), "parameters after step " + (s + 1));
                double du = 0, pp = 0;
                for (int i = 0; i < after.length; i++) {
                    double d = before[i] - after[i];
                    du += d * d;
                    pp += (double) after[i] * after[i];
                }
                assertEquals(Math.sqrt(du / pp), r.updateRatio(), 1e-9 * Math.sqrt(du / pp), "update ratio");
                float[] logZ = get(b, mb.logZ());
                double zsum = 0;
                for (float z : logZ) zsum += z;
                assertEquals(zsum / logZ.length, r.logZMean(), 1e-9 * Math.abs(zsum / logZ.length), "mean log Z");
                assertArrayEquals(get(b, mb.maxAttentionLogit()), r.maxAttentionLogit(), "max attention logits");
            }
            assertTrue(clipped > 0 && clipped < STEPS, "the test should see clipped and unclipped steps, saw "
                    + clipped + " of " + STEPS + " clipped");
            assertArrayEquals(get(b, adamB.m()), get(a, adamA.m()), "Adam's first moments");
            assertArrayEquals(get(b, adamB.v()), get(a, adamA.v()), "Adam's second moments");
            assertEquals(STEPS, adamA.step());
        }
    }

    @Test
    void aNonFiniteGradientSkipsTheUpdate() {
        try (CpuBackend be = new CpuBackend(1)) {
            Transformer model = new Transformer(be, config(), B, 7);
            AdamW adam = new AdamW(model, 0.9f, 0.95f, 1e-8f, 0.1f);
            TrainStep step = new TrainStep(model, adam, 1.0, false);
            // one infinite weight in layer 0's first matrix poisons every position's forward pass
            Parameter w = model.parameters().stream().filter(p -> p.layer() == 0 && p.shape().dimension() == 2)
                    .findFirst().orElseThrow();
            float[] values = get(be, w.value());
            values[0] = Float.POSITIVE_INFINITY;
            be.upload(w.value(), values);
            float[] params = get(be, model.params());
            int[][] io = batch(new Rng(3), B * 16);
            TrainStep.Result r = step.run(io[0], io[1], 1e-3f);
            assertFalse(r.updated(), "a step with a non-finite gradient norm must not update");
            assertFalse(Double.isFinite(r.gradNorm()), "gradient norm " + r.gradNorm());
            assertArrayEquals(params, get(be, model.params()), "parameters must stay as they were");
            assertArrayEquals(new float[adam.m().intSize()], get(be, adam.m()), "Adam's moments must stay zero");
            assertEquals(0, adam.step(), "a skipped update is not counted");
        }
    }

    @Test
    void clipScaleFollowsTheNorm() {
        try (CpuBackend be = new CpuBackend(1)) {
            Scalars s = be.allocateScalars(4);
            double[] out = new double[4];
            double[][] cases = {
                    // sums of squares, clip, expected scale
                    {9, 7, 0, 1.0}, {9, 7, 1, (float) (1 / 4.0)}, {9, 7, 10, 1.0},
                    {Double.POSITIVE_INFINITY, 1, 1, Double.NaN}, {Double.NaN, 1, 0, Double.NaN}};
            for (double[] c : cases) {
                be.writeScalars(s, new double[] {c[0], c[1], 0, 0});
                be.clipScale(s, 0, 2, c[2], 3);
                be.readScalars(s, out);
                assertEquals(c[3], out[3], "scale for Σ = " + (c[0] + c[1]) + ", clip " + c[2]);
            }
        }
    }
}
