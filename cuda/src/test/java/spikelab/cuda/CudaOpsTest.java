package spikelab.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import spikelab.model.Activation;

/**
 * Every op, forward and backward, on random inputs: CUDA against the CPU reference backend,
 * relative error below 1e-4 (fp32). Gradients that accumulate start from non-zero values so a
 * kernel that overwrites instead of adding fails. Shapes are deliberately ragged (T = 37, C = 48)
 * so that partial warps and blocks are exercised.
 */
@Tag("gpu")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaOpsTest {
    private static final double FP32 = 1e-4;
    private Pair p;

    @BeforeAll
    void open() { p = Pair.openIfAvailable(false, 7); }

    /** Per test rather than per class, so that each test reports as skipped where no GPU is. */
    @BeforeEach
    void needGpu() { Pair.skipWithoutGpu(); }

    @AfterAll
    void close() { if (p != null) p.close(); }

    private void expectClose(String what, Pair.T t, double tol) {
        double e = p.relErr(t);
        assertTrue(e < tol, what + ": relative error " + e + " >= " + tol);
    }

    @Test
    void fillCopyAxpy() {
        Pair.T x = p.random(5000, 1), y = p.random(5000, 1), z = p.zeros(5000);
        p.cpu.axpy(y.c, -0.75f, x.c);
        p.gpu.axpy(y.g, -0.75f, x.g);
        expectClose("axpy", y, FP32);
        p.cpu.copy(z.c.slice(10, 100), x.c.slice(0, 100));
        p.gpu.copy(z.g.slice(10, 100), x.g.slice(0, 100));
        p.cpu.fill(z.c.slice(500, 7), -2.5f);
        p.gpu.fill(z.g.slice(500, 7), -2.5f);
        assertArrayEquals(Pair.get(p.cpu, z.c), Pair.get(p.gpu, z.g));
    }

    @ParameterizedTest
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void gemmAccumulatesWithStrides(boolean ta, boolean tb) {
        int m = 33, n = 45, k = 29, lda = 50, ldb = 60, ldc = 47;
        Pair.T a = p.random(64 * 64, 1), b = p.random(64 * 64, 1), c = p.random(64 * 64, 1);
        p.cpu.gemm(ta, tb, m, n, k, 0.5f, a.c, lda, b.c, ldb, 1f, c.c, ldc);
        p.gpu.gemm(ta, tb, m, n, k, 0.5f, a.g, lda, b.g, ldb, 1f, c.g, ldc);
        expectClose("gemm " + ta + "," + tb, c, FP32);
    }

    @Test
    void embedding() {
        int b = 3, t = 37, c = 48, v = 11;
        Pair.Ids idx = p.ids(b * t, v);                    // 111 positions over 11 tokens: many repeats
        Pair.T wte = p.random(v * c, 1), wpe = p.random(t * c, 1), out = p.zeros(b * t * c);
        p.cpu.embeddingForward(out.c, idx.c, wte.c, wpe.c, b, t, c);
        p.gpu.embeddingForward(out.g, idx.g, wte.g, wpe.g, b, t, c);
        expectClose("embedding forward", out, FP32);
        Pair.T dout = p.random(b * t * c, 1), dwte = p.random(v * c, 1), dwpe = p.random(t * c, 1);
        p.cpu.embeddingBackward(dwte.c, dwpe.c, dout.c, idx.c, b, t, c);
        p.gpu.embeddingBackward(dwte.g, dwpe.g, dout.g, idx.g, b, t, c);
        // same order of additions as the CPU: bit-identical, not merely close
        assertArrayEquals(Pair.get(p.cpu, dwte.c), Pair.get(p.gpu, dwte.g), "dwte");
        assertArrayEquals(Pair.get(p.cpu, dwpe.c), Pair.get(p.gpu, dwpe.g), "dwpe");
    }

    @Test
    void embeddingRejectsIdsOutsideTheTable() {
        Pair.Ids idx = p.ids(8, 20);
        Pair.T wte = p.random(10 * 4, 1), wpe = p.random(8 * 4, 1), out = p.zeros(8 * 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.gpu.embeddingForward(out.g, idx.g, wte.g, wpe.g, 1, 8, 4));
        assertTrue(e.getMessage().contains("outside the embedding table of 10 rows"), e.getMessage());
    }

    @Test
    void layerNorm() {
        int n = 600, c = 72;                               // n > one 256-row chunk of the parameter sums
        Pair.T x = p.random(n * c, 2), w = p.random(c, 1), bias = p.random(c, 1);
        Pair.T out = p.zeros(n * c), mean = p.zeros(n), rstd = p.zeros(n);
        p.cpu.layerNormForward(out.c, mean.c, rstd.c, x.c, w.c, bias.c, n, c);
        p.gpu.layerNormForward(out.g, mean.g, rstd.g, x.g, w.g, bias.g, n, c);
        expectClose("layernorm out", out, FP32);
        expectClose("layernorm rstd", rstd, FP32);
        Pair.T dout = p.random(n * c, 1), dx = p.random(n * c, 1), dw = p.random(c, 1), db = p.random(c, 1);
        p.cpu.layerNormBackward(dx.c, dw.c, db.c, dout.c, x.c, w.c, mean.c, rstd.c, n, c);
        p.gpu.layerNormBackward(dx.g, dw.g, db.g, dout.g, x.g, w.g, mean.g, rstd.g, n, c);
        expectClose("layernorm dx", dx, FP32);
        expectClose("layernorm dw", dw, FP32);
        expectClose("layernorm db", db, FP32);
    }

    /** QK-norm's per-head LayerNorm; hs 24 leaves a warp partly idle, hs 64 loops; 1800 pieces span chunks. */
    @ParameterizedTest
    @CsvSource({"600,72,3,0", "600,72,3,1", "300,128,2,1"})
    void headNorm(int n, int c, int h, int part) {
        int hs = c / h;
        Pair.T qkv = p.random(n * 3 * c, 2), w = p.random(hs, 1), bias = p.random(hs, 1);
        Pair.T out = p.random(n * 3 * c, 1), mean = p.zeros(n * h), rstd = p.zeros(n * h);   // other parts kept
        p.cpu.headNormForward(out.c, mean.c, rstd.c, qkv.c, w.c, bias.c, n, c, h, part);
        p.gpu.headNormForward(out.g, mean.g, rstd.g, qkv.g, w.g, bias.g, n, c, h, part);
        expectClose("head norm out", out, FP32);
        expectClose("head norm mean", mean, FP32);
        expectClose("head norm rstd", rstd, FP32);
        // dqkv's other parts must survive, dw and db start non-zero: overwrite and accumulate are both checked
        Pair.T dout = p.random(n * 3 * c, 1), dqkv = p.random(n * 3 * c, 1), dw = p.random(hs, 1), db = p.random(hs, 1);
        p.cpu.headNormBackward(dqkv.c, dw.c, db.c, dout.c, qkv.c, w.c, mean.c, rstd.c, n, c, h, part);
        p.gpu.headNormBackward(dqkv.g, dw.g, db.g, dout.g, qkv.g, w.g, mean.g, rstd.g, n, c, h, part);
        expectClose("head norm dqkv", dqkv, FP32);
        expectClose("head norm dw", dw, FP32);
        expectClose("head norm db", db, FP32);
    }

    @Test
    void attention() {
        attentionCase(p, 2, 37, 48, 3, FP32);
    }

    /** Shared with the TF32 test. */
    static void attentionCase(Pair p, int b, int t, int c, int h, double tol) {
        Pair.T qkv = p.random(b * t * 3 * c, 1), out = p.zeros(b * t * c), att = p.random(b * h * t * t, 1);
        Pair.T maxLogit = p.random(1, 1);
        p.cpu.attentionForward(out.c, att.c, maxLogit.c, qkv.c, b, t, c, h);
        p.gpu.attentionForward(out.g, att.g, maxLogit.g, qkv.g, b, t, c, h);
        check(p, "attention out", out, tol);
        check(p, "attention probabilities", att, tol);
        check(p, "max attention logit", maxLogit, tol);
        Pair.T dout = p.random(b * t * c, 1), dqkv = p.random(b * t * 3 * c, 1);   // overwritten, not added to
        p.cpu.attentionBackward(dqkv.c, dout.c, qkv.c, att.c, b, t, c, h);
        p.gpu.attentionBackward(dqkv.g, dout.g, qkv.g, att.g, b, t, c, h);
        check(p, "attention dqkv", dqkv, tol);
    }

    private static void check(Pair p, String what, Pair.T t, double tol) {
        double e = p.relErr(t);
        assertTrue(e < tol, what + ": relative error " + e + " >= " + tol);
    }

    @Test
    void attentionMaxLogitPropagatesNaN() {
        int b = 1, t = 4, c = 4, h = 1;
        float[] q = new float[t * 3 * c];
        q[0] = Float.NaN;
        Pair.T qkv = p.of(q), out = p.zeros(t * c), att = p.zeros(t * t), ml = p.zeros(1);
        p.gpu.attentionForward(out.g, att.g, ml.g, qkv.g, b, t, c, h);
        assertTrue(Float.isNaN(Pair.get(p.gpu, ml.g)[0]), "a NaN logit must show in the max, not be hidden");
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activation(Activation act) {
        int n = 70, hidden = 96, pw = act.gated() ? 2 * hidden : hidden;
        Pair.T pre = p.random(n * pw, 2), out = p.zeros(n * hidden);
        p.cpu.activationForward(out.c, pre.c, n, hidden, act);
        p.gpu.activationForward(out.g, pre.g, n, hidden, act);
        expectClose(act + " forward", out, FP32);
        Pair.T dout = p.random(n * hidden, 1), dpre = p.random(n * pw, 1);
        p.cpu.activationBackward(dpre.c, dout.c, pre.c, n, hidden, act);
        p.gpu.activationBackward(dpre.g, dout.g, pre.g, n, hidden, act);
        expectClose(act + " backward", dpre, FP32);
    }

    @Test
    void crossEntropyInPlaceWithZLoss() {
        int n = 90, v = 1000;
        Pair.Ids tg = p.ids(n, v);
        Pair.T logits = p.random(n * v, 3), losses = p.zeros(n), logZ = p.zeros(n);
        p.cpu.crossEntropyForward(losses.c, logZ.c, logits.c, tg.c, n, v);
        p.gpu.crossEntropyForward(losses.g, logZ.g, logits.g, tg.g, n, v);
        expectClose("losses", losses, FP32);
        expectClose("logZ", logZ, FP32);
        p.cpu.crossEntropyBackward(logits.c, logits.c, logZ.c, tg.c, n, v, 1f / n, 1e-4f / n);
        p.gpu.crossEntropyBackward(logits.g, logits.g, logZ.g, tg.g, n, v, 1f / n, 1e-4f / n);
        expectClose("dlogits", logits, FP32);
    }

    @Test
    void adamW() {
        int n = 10_000;
        Pair.T param = p.random(n, 1), grad = p.random(n, 0.1), m = p.random(n, 0.01), v = p.of(squares(p, n));
        for (int step = 1; step <= 3; step++) {
            p.cpu.adamW(param.c, grad.c, m.c, v.c, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.5f, step);
            p.gpu.adamW(param.g, grad.g, m.g, v.g, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.5f, step);
        }
        expectClose("param", param, FP32);
        expectClose("m", m, FP32);
        expectClose("v", v, FP32);
    }

    private static float[] squares(Pair p, int n) {
        float[] h = Pair.get(p.cpu, p.random(n, 0.01).c);
        for (int i = 0; i < n; i++) h[i] *= h[i];
        return h;
    }

    @Test
    void sumsOverSegments() {
        Pair.T x = p.random(20_000, 1);
        long[] seg = {0, 4096, 9001, 1, 5000};             // empty, exactly one chunk, ragged, tiny
        double[] c = p.cpu.sumSquares(x.c, seg), g = p.gpu.sumSquares(x.g, seg);
        assertEquals(0.0, g[0]);
        for (int i = 0; i < seg.length; i++) assertEquals(c[i], g[i], 1e-12 * Math.max(1, c[i]), "segment " + i);
        assertEquals(p.cpu.sum(x.c), p.gpu.sum(x.g), 1e-9);
        assertEquals(g[4], p.gpu.sumSquares(x.g, seg)[4], "repeatable to the bit");
        assertThrows(IllegalArgumentException.class, () -> p.gpu.sumSquares(x.g, new long[] {20_001}));
    }

    @Test
    void columnAbsMax() {
        int rows = 130, cols = 300;
        Pair.T x = p.random(rows * cols, 1), out = p.random(cols, 5);
        p.cpu.columnAbsMax(out.c, x.c, rows, cols);
        p.gpu.columnAbsMax(out.g, x.g, rows, cols);
        assertArrayEquals(Pair.get(p.cpu, out.c), Pair.get(p.gpu, out.g));
    }
}
