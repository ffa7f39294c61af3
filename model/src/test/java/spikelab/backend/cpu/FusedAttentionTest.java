package spikelab.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import spikelab.backend.Precision;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused attention kernel against the blocked-products path ({@link Attention}, itself
 * checked against finite differences in OpGradientTest): same function to float rounding,
 * forward and backward. Then the vector kernel against the plain-Java one, and one thread
 * against three, bit for bit. Shapes: b,t,c,h, with t below, at and off multiples of the 6-row
 * blocks and of the 32-key tiles, and head sizes of one, two and three 16-lane vectors.
 */
class FusedAttentionTest {
    /** Everything one forward + backward produces. */
    private record Result(float[] out, float[] att, float maxLogit, float[] dqkv) {}

    private static Result run(Object kernel, int threads, int b, int t, int c, int h, long seed) {
        Random rnd = new Random(seed);
        float[] qkv = new float[b * t * 3 * c], dout = new float[b * t * c];
        for (int i = 0; i < qkv.length; i++) qkv[i] = (float) (rnd.nextGaussian() * 1.5);
        for (int i = 0; i < dout.length; i++) dout[i] = (float) rnd.nextGaussian();
        float[] out = new float[b * t * c], att = new float[b * h * t * t], ml = new float[1];
        float[] dqkv = new float[qkv.length];
        java.util.Arrays.fill(dqkv, 123f);   // overwritten, never accumulated into
        java.util.Arrays.fill(att, 7f);      // above the diagonal must become exact zeros
        try (Parallel par = new Parallel(threads)) {
            if (kernel instanceof FusedAttention f) {
                f.forward(par, out, 0, att, 0, ml, 0, qkv, 0, b, t, c, h);
                f.backward(par, dqkv, 0, dout, 0, qkv, 0, att, 0, b, t, c, h);
            } else {
                Attention a = (Attention) kernel;
                a.forward(par, out, 0, att, 0, ml, 0, qkv, 0, b, t, c, h);
                a.backward(par, dqkv, 0, dout, 0, qkv, 0, att, 0, b, t, c, h);
            }
        }
        return new Result(out, att, ml[0], dqkv);
    }

    private static int[] shape(String s) {
        String[] d = s.split(",");
        return new int[] {Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2]), Integer.parseInt(d[3])};
    }

    private static void assertClose(String what, float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        for (float e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            assertTrue(err <= tol * Math.max(1, scale), what + "[" + i + "]: " + expected[i] + " vs " + actual[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1,1,16,1", "2,6,32,2", "2,7,32,1", "1,33,64,2", "3,40,96,2", "2,64,128,4", "1,131,48,1"})
    void sameFunctionAsTheBlockedPath(String s) {
        int[] d = shape(s);
        FusedAttention fused = FusedAttention.create();
        assumeTrue(fused.supports(d[2] / d[3]), "head size " + d[2] / d[3] + " is not whole vectors on this CPU");
        Result ref = run(new Attention(Precision.FP32), 2, d[0], d[1], d[2], d[3], 5);
        Result got = run(fused, 2, d[0], d[1], d[2], d[3], 5);
        assertClose("out", ref.out(), got.out(), 2e-6);
        assertClose("att", ref.att(), got.att(), 2e-6);
        assertClose("dqkv", ref.dqkv(), got.dqkv(), 1e-5);
        assertEquals(ref.maxLogit(), got.maxLogit(), 1e-6 * ref.maxLogit(), "max logit");
        for (int bh = 0; bh < d[0] * d[3]; bh++) {
            for (int ti = 0; ti < d[1]; ti++) {
                for (int si = ti + 1; si < d[1]; si++) {
                    assertEquals(0f, got.att()[(bh * d[1] + ti) * d[1] + si], "P above the diagonal");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2,7,32,1", "1,33,64,2", "3,40,96,2", "1,131,48,1"})
    void vectorKernelGivesThePlainKernelsBitsWhateverTheThreads(String s) {
        int[] d = shape(s);
        FusedAttention vector = FusedAttention.create();
        assumeTrue(vector instanceof VectorFusedAttention, "no jdk.incubator.vector in this JVM: only the plain kernel runs");
        assumeTrue(vector.supports(d[2] / d[3]), "head size " + d[2] / d[3] + " is not whole vectors on this CPU");
        Result plain = run(new FusedAttention(), 1, d[0], d[1], d[2], d[3], 9);
        for (int threads : new int[] {1, 3}) {
            Result v = run(vector, threads, d[0], d[1], d[2], d[3], 9);
            assertArrayEquals(plain.out(), v.out(), "out, " + threads + " threads");
            assertArrayEquals(plain.att(), v.att(), "att, " + threads + " threads");
            assertArrayEquals(plain.dqkv(), v.dqkv(), "dqkv, " + threads + " threads");
            assertEquals(plain.maxLogit(), v.maxLogit(), "max logit");
        }
    }

    /** ‖x − y‖₂ / ‖y‖₂. */
    private static double relativeL2(float[] x, float[] y) {
        double num = 0, den = 0;
        for (int i = 0; i < x.length; i++) {
            num += (double) (x[i] - y[i]) * (x[i] - y[i]);
            den += (double) y[i] * y[i];
        }
        return Math.sqrt(num / den);
    }

    /**
     * bf16 emulation: the fused kernel rounds where the blocked path's products do. The two sum
     * in different orders, so an fp32 P or dS that lies on a bf16 rounding boundary may round
     * differently in each (a few elements of ~10⁵); on the whole tensors they agree far more
     * closely than either agrees with fp32 attention, which shows the rounding is there.
     */
    @ParameterizedTest
    @ValueSource(strings = {"2,7,32,1", "1,33,64,2", "2,64,128,4", "1,131,48,1"})
    void bf16SameFunctionAsTheBlockedPath(String s) {
        int[] d = shape(s);
        FusedAttention fused = FusedAttention.create(Precision.BF16);
        assumeTrue(fused.supports(d[2] / d[3]), "head size " + d[2] / d[3] + " is not whole vectors on this CPU");
        Result ref = run(new Attention(Precision.BF16), 2, d[0], d[1], d[2], d[3], 5);
        Result got = run(fused, 2, d[0], d[1], d[2], d[3], 5);
        Result fp32 = run(FusedAttention.create(Precision.FP32), 2, d[0], d[1], d[2], d[3], 5);
        double[] errs = {relativeL2(got.out(), ref.out()), relativeL2(got.att(), ref.att()), relativeL2(got.dqkv(), ref.dqkv())};
        double[] fpErrs = {relativeL2(fp32.out(), ref.out()), relativeL2(fp32.att(), ref.att()), relativeL2(fp32.dqkv(), ref.dqkv())};
        String[] names = {"out", "att", "dqkv"};
        for (int i = 0; i < 3; i++) {
            assertTrue(errs[i] < 1e-4, names[i] + ": bf16 fused vs blocked, relative L2 " + errs[i]);
            assertTrue(fpErrs[i] > 10 * errs[i], names[i] + ": fp32 is " + fpErrs[i] + " from bf16, bf16 fused " + errs[i]);
        }
        assertEquals(ref.maxLogit(), got.maxLogit(), 1e-5 * ref.maxLogit(), "max logit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2,7,32,1", "1,33,64,2", "1,131,48,1"})
    void bf16VectorKernelGivesThePlainKernelsBitsWhateverTheThreads(String s) {
        int[] d = shape(s);
        for (Precision p : new Precision[] {Precision.BF16, Precision.BF16_AUTOCAST}) {
            FusedAttention vector = FusedAttention.create(p);
            assumeTrue(vector instanceof VectorFusedAttention, "no jdk.incubator.vector in this JVM: only the plain kernel runs");
            assumeTrue(vector.supports(d[2] / d[3]), "head size " + d[2] / d[3] + " is not whole vectors on this CPU");
            Result plain = run(new FusedAttention(p), 1, d[0], d[1], d[2], d[3], 9);
            for (int threads : new int[] {1, 3}) {
                Result v = run(vector, threads, d[0], d[1], d[2], d[3], 9);
                String what = p.cliName() + ", " + threads + " threads";
                assertArrayEquals(plain.out(), v.out(), "out, " + what);
                assertArrayEquals(plain.att(), v.att(), "att, " + what);
                assertArrayEquals(plain.dqkv(), v.dqkv(), "dqkv, " + what);
                assertEquals(plain.maxLogit(), v.maxLogit(), "max logit, " + what);
            }
        }
    }

    /**
     * bf16-autocast: both paths round every product's output (S, O, dP, dQ, dK, dV), so out,
     * dqkv and max |S| are bf16 values. Their sums still run in different orders, so a few
     * outputs land one bf16 step apart; on the whole they agree far more closely than either
     * agrees with plain bf16, which shows the output rounding is there.
     */
    @ParameterizedTest
    @ValueSource(strings = {"2,6,32,2", "1,33,64,2", "3,40,96,2", "1,131,48,1"})
    void autocastRoundsEveryProductsOutputOnBothPaths(String s) {
        int[] d = shape(s);
        FusedAttention fused = FusedAttention.create(Precision.BF16_AUTOCAST);
        assumeTrue(fused.supports(d[2] / d[3]), "head size " + d[2] / d[3] + " is not whole vectors on this CPU");
        Result ref = run(new Attention(Precision.BF16_AUTOCAST), 2, d[0], d[1], d[2], d[3], 5);
        Result got = run(fused, 2, d[0], d[1], d[2], d[3], 5);
        Result bf16 = run(FusedAttention.create(Precision.BF16), 2, d[0], d[1], d[2], d[3], 5);
        for (Result r : new Result[] {ref, got}) {
            for (float x : r.out()) assertEquals(spikelab.backend.Bf16.round(x), x, "an output that is not bf16");
            for (float x : r.dqkv()) assertEquals(spikelab.backend.Bf16.round(x), x, "a gradient that is not bf16");
            assertEquals(spikelab.backend.Bf16.round(r.maxLogit()), r.maxLogit(), "max |S| of rounded scores");
        }
        double[] errs = {relativeL2(got.out(), ref.out()), relativeL2(got.dqkv(), ref.dqkv())};
        double[] bfErrs = {relativeL2(bf16.out(), ref.out()), relativeL2(bf16.dqkv(), ref.dqkv())};
        String[] names = {"out", "dqkv"};
        for (int i = 0; i < 2; i++) {
            assertTrue(errs[i] < 2e-3, names[i] + ": autocast fused vs blocked, relative L2 " + errs[i]);
            assertTrue(bfErrs[i] > 2 * errs[i], names[i] + ": bf16 is " + bfErrs[i] + " from autocast, fused " + errs[i]);
        }
    }

    @org.junit.jupiter.api.Test
    void scratchLeftByALongerSequenceDoesNotLeak() {
        FusedAttention reused = FusedAttention.create();
        assumeTrue(reused.supports(32), "head size 32 is not whole vectors on this CPU");
        run(reused, 1, 2, 65, 64, 2, 3);   // 65 then 36: old rows land where new dS rows must be zero
        Result after = run(reused, 1, 2, 36, 64, 2, 4);
        Result fresh = run(FusedAttention.create(), 1, 2, 36, 64, 2, 4);
        assertArrayEquals(fresh.dqkv(), after.dqkv());
        assertArrayEquals(fresh.out(), after.out());
    }

    /**
     * Scores far past e^88 and a NaN key: the vector kernel takes its row maxima on the floats'
     * bit patterns, so these are the cases where it could part from Math.max. Rows that see the
     * NaN key become all NaN in both kernels, rows before it stay finite, and the pair's max |s|
     * is NaN; huge logits (|s| ~ 1e4) still give finite P that match the plain kernel bit for bit.
     */
    @org.junit.jupiter.api.Test
    void hugeAndNaNScoresAsInThePlainKernel() {
        FusedAttention vector = FusedAttention.create();
        assumeTrue(vector instanceof VectorFusedAttention && vector.supports(32), "no 16-lane vector kernel here");
        int b = 1, t = 40, c = 64, h = 2, c3 = 3 * c, nanKey = 21;
        for (boolean withNaN : new boolean[] {false, true}) {
            Random rnd = new Random(5);
            float[] qkv = new float[b * t * c3];
            for (int i = 0; i < qkv.length; i++) qkv[i] = (float) (rnd.nextGaussian() * 30);   // |s| up to ~1e4
            if (withNaN) qkv[nanKey * c3 + c + 3] = Float.NaN;                                    // key 21, head 0
            float[][] att = new float[2][b * h * t * t], out = new float[2][b * t * c], ml = new float[2][1];
            FusedAttention[] kernels = {new FusedAttention(), vector};
            for (int k = 0; k < 2; k++) {
                try (Parallel par = new Parallel(1)) {
                    kernels[k].forward(par, out[k], 0, att[k], 0, ml[k], 0, qkv, 0, b, t, c, h);
                }
            }
            assertArrayEquals(att[0], att[1], "att, NaN key: " + withNaN);
            assertArrayEquals(out[0], out[1], "out, NaN key: " + withNaN);
            assertEquals(ml[0][0], ml[1][0], "max logit, NaN key: " + withNaN);
            assertTrue(ml[1][0] > 1000f || Float.isNaN(ml[1][0]), "scores this large: " + ml[1][0]);
            assertEquals(withNaN, Float.isNaN(ml[1][0]), "max |s| is NaN exactly when a score is");
            for (int ti = 0; ti < t; ti++) {
                float p0 = att[1][ti * t];   // head 0, key 0
                assertEquals(withNaN && ti >= nanKey, Float.isNaN(p0), "row " + ti);
            }
        }
    }
}
