package spikelab.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;

import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import spikelab.backend.IntBuffer;
import spikelab.backend.Tensor;
import spikelab.model.Activation;
import spikelab.model.Rng;

/**
 * Each op's backward against central finite differences of L = Σ r ⊙ forward(x) for a fixed
 * random r. Tolerances are a few percent of the gradient's norm: a wrong sign or a dropped term
 * moves the error to order one.
 */
class OpGradientTest {
    private static final CpuBackend be = new CpuBackend(2);
    private final Rng rng = new Rng(42);

    @AfterAll
    static void close() { be.close(); }

    private Tensor random(int n, double scale) {
        float[] h = new float[n];
        for (int i = 0; i < n; i++) h[i] = (float) (rng.nextGaussian() * scale);
        Tensor t = be.allocate(n).all();
        be.upload(t, h);
        return t;
    }

    private static float[] get(Tensor t) {
        float[] h = new float[t.intSize()];
        be.download(t, h);
        return h;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    /** Compares analytic against numeric dL/dx for every element of x. */
    private static void check(String what, Tensor x, float[] analytic, Supplier<Double> loss, double eps, double rtol) {
        float[] xs = get(x);
        double[] numeric = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            float keep = xs[i];
            xs[i] = keep + (float) eps;
            be.upload(x, xs);
            double up = loss.get();
            xs[i] = keep - (float) eps;
            be.upload(x, xs);
            double down = loss.get();
            xs[i] = keep;
            be.upload(x, xs);
            numeric[i] = (up - down) / (2 * eps);
        }
        double diff = 0, norm = 0;
        for (int i = 0; i < xs.length; i++) {
            diff += (numeric[i] - analytic[i]) * (numeric[i] - analytic[i]);
            norm += numeric[i] * numeric[i];
        }
        double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
        assertTrue(norm > 0, what + ": gradient is identically zero, the check would be vacuous");
        assertTrue(rel < rtol, what + ": relative error " + rel + " ≥ " + rtol);
    }

    @Test
    void layerNorm() {
        int n = 3, c = 7;
        Tensor x = random(n * c, 1.5), w = random(c, 1), bias = random(c, 1), r = random(n * c, 1);
        Tensor out = be.allocate(n * c).all(), mean = be.allocate(n).all(), rstd = be.allocate(n).all();
        Supplier<Double> loss = () -> {
            be.layerNormForward(out, mean, rstd, x, w, bias, n, c);
            return dot(get(out), get(r));
        };
        loss.get();
        Tensor dx = be.allocate(n * c).all(), dw = be.allocate(c).all(), db = be.allocate(c).all();
        be.layerNormBackward(dx, dw, db, r, x, w, mean, rstd, n, c);
        check("layernorm dx", x, get(dx), loss, 1e-2, 1e-2);
        check("layernorm dw", w, get(dw), loss, 1e-2, 1e-2);
        check("layernorm db", bias, get(db), loss, 1e-2, 1e-2);
    }

    /** QK-norm's per-head LayerNorm on the q (part 0) or k (part 1) columns of packed qkv rows. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void headNorm(int part) {
        int n = 3, c = 12, h = 3, hs = c / h;
        Tensor qkv = random(n * 3 * c, 1.5), w = random(hs, 1), bias = random(hs, 1), r = random(n * 3 * c, 1);
        Tensor out = be.allocate(n * 3 * c).all(), mean = be.allocate(n * h).all(), rstd = be.allocate(n * h).all();
        Supplier<Double> loss = () -> {
            be.headNormForward(out, mean, rstd, qkv, w, bias, n, c, h, part);
            return dot(get(out), get(r));         // out's other columns stay 0 and add nothing
        };
        loss.get();

        // forward: each (row, head) piece is normalised over its own hs values
        float[] q = get(qkv), o = get(out), mu = get(mean), rs = get(rstd), wh = get(w), bh = get(bias);
        for (int row = 0; row < n; row++) {
            for (int j = 0; j < h; j++) {
                int base = row * 3 * c + part * c + j * hs;
                double m = 0, var = 0;
                for (int i = 0; i < hs; i++) m += q[base + i];
                m /= hs;
                for (int i = 0; i < hs; i++) var += (q[base + i] - m) * (q[base + i] - m);
                double rstdWant = 1 / Math.sqrt(var / hs + 1e-5);
                assertEquals(m, mu[row * h + j], 1e-5, "mean of row " + row + " head " + j);
                assertEquals(rstdWant, rs[row * h + j], 1e-4 * rstdWant, "rstd of row " + row + " head " + j);
                for (int i = 0; i < hs; i++) {
                    assertEquals((q[base + i] - m) * rstdWant * wh[i] + bh[i], o[base + i], 1e-4, "output " + (base + i));
                }
            }
        }

        // backward: the part of dqkv is overwritten, the rest untouched; dw and db accumulate
        Tensor dqkv = be.allocate(n * 3 * c).all(), dw = random(hs, 1), db = random(hs, 1);
        be.fill(dqkv, 123f);
        float[] dw0 = get(dw), db0 = get(db);
        be.headNormBackward(dqkv, dw, db, r, qkv, w, mean, rstd, n, c, h, part);
        float[] dx = get(dqkv), dwAdded = get(dw), dbAdded = get(db);
        for (int i = 0; i < dx.length; i++) {
            int col = i % (3 * c);
            if (col < part * c || col >= (part + 1) * c) {
                assertEquals(123f, dx[i], "column " + col + " outside part " + part + " was written");
                dx[i] = 0f;                        // where finite differences give 0
            }
        }
        for (int i = 0; i < hs; i++) {
            dwAdded[i] -= dw0[i];
            dbAdded[i] -= db0[i];
        }
        check("head norm dx, part " + part, qkv, dx, loss, 1e-2, 1e-2);
        check("head norm dw, part " + part, w, dwAdded, loss, 1e-2, 1e-2);
        check("head norm db, part " + part, bias, dbAdded, loss, 1e-2, 1e-2);
    }

    @Test
    void headNormSumsDoNotDependOnThreads() {
        int n = 300, c = 64, h = 2, hs = c / h;
        Tensor qkv = random(n * 3 * c, 2), w = random(hs, 1), bias = random(hs, 1), dout = random(n * 3 * c, 1);
        float[][] results = new float[2][];
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend one = new CpuBackend(threads)) {
                Tensor x = copyTo(one, qkv), wt = copyTo(one, w), bt = copyTo(one, bias), dy = copyTo(one, dout);
                Tensor out = one.allocate(n * 3 * c).all(), mean = one.allocate(n * h).all(), rstd = one.allocate(n * h).all();
                Tensor dx = one.allocate(n * 3 * c).all(), dw = one.allocate(hs).all(), db = one.allocate(hs).all();
                one.headNormForward(out, mean, rstd, x, wt, bt, n, c, h, 1);
                one.headNormBackward(dx, dw, db, dy, x, wt, mean, rstd, n, c, h, 1);
                float[] all = new float[n * 3 * c * 2 + 2 * hs];
                one.download(out, all);
                float[] part = new float[n * 3 * c];
                one.download(dx, part);
                System.arraycopy(part, 0, all, n * 3 * c, part.length);
                float[] p2 = new float[hs];
                one.download(dw, p2);
                System.arraycopy(p2, 0, all, 2 * n * 3 * c, hs);
                one.download(db, p2);
                System.arraycopy(p2, 0, all, 2 * n * 3 * c + hs, hs);
                results[threads == 1 ? 0 : 1] = all;
            }
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(results[0], results[1], "1 vs 3 threads");
    }

    private static Tensor copyTo(CpuBackend other, Tensor t) {
        Tensor copy = other.allocate(t.size()).all();
        other.upload(copy, get(t));
        return copy;
    }

    // hs 4: the blocked-products path; hs 16 and 32: the fused kernel (whole vectors), with t
    // neither a multiple of its 6-row blocks nor longer than one block
    @ParameterizedTest
    @ValueSource(strings = {"2,5,8,2", "1,9,32,2", "1,8,64,2", "2,4,64,2"})
    void attention(String shape) {
        String[] d = shape.split(",");
        int b = Integer.parseInt(d[0]), t = Integer.parseInt(d[1]), c = Integer.parseInt(d[2]), h = Integer.parseInt(d[3]);
        Tensor qkv = random(b * t * 3 * c, 1.0), r = random(b * t * c, 1);
        Tensor out = be.allocate(b * t * c).all(), att = be.allocate(b * h * t * t).all(), ml = be.allocate(1).all();
        Supplier<Double> loss = () -> {
            be.attentionForward(out, att, ml, qkv, b, t, c, h);
            return dot(get(out), get(r));
        };
        loss.get();
        Tensor dqkv = be.allocate(b * t * 3 * c).all();
        be.fill(dqkv, 123f);                      // overwrite semantics: stale values must vanish
        be.attentionBackward(dqkv, r, qkv, att, b, t, c, h);
        check("attention dqkv", qkv, get(dqkv), loss, 1e-2, 1e-2);
    }

    @Test
    void attentionIsCausalAndReportsMaxLogit() {
        int b = 1, t = 4, c = 4, h = 1;
        Tensor qkv = random(b * t * 3 * c, 1.0);
        Tensor out = be.allocate(b * t * c).all(), att = be.allocate(t * t).all(), ml = be.allocate(1).all();
        be.attentionForward(out, att, ml, qkv, b, t, c, h);
        float[] p = get(att), q = get(qkv);
        double max = 0;
        for (int i = 0; i < t; i++) {
            double rowSum = 0;
            for (int s = 0; s < t; s++) {
                if (s > i) assertEquals(0f, p[i * t + s], "future position " + s + " visible from " + i);
                rowSum += p[i * t + s];
                if (s <= i) {
                    double d = 0;
                    for (int k = 0; k < c; k++) d += q[i * 3 * c + k] * q[s * 3 * c + c + k];
                    max = Math.max(max, Math.abs(d / Math.sqrt(c)));
                }
            }
            assertEquals(1.0, rowSum, 1e-5);
        }
        assertEquals(max, get(ml)[0], 1e-5);
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activation(Activation act) {
        int n = 4, hidden = 6, pw = act.gated() ? 2 * hidden : hidden;
        Tensor pre = random(n * pw, 1.0), r = random(n * hidden, 1);
        Tensor out = be.allocate(n * hidden).all();
        Supplier<Double> loss = () -> {
            be.activationForward(out, pre, n, hidden, act);
            return dot(get(out), get(r));
        };
        loss.get();
        Tensor dpre = be.allocate(n * pw).all();
        be.activationBackward(dpre, r, pre, n, hidden, act);
        // relu's kink: a smaller step keeps sampled points on one side of 0
        check(act.cliName() + " dpre", pre, get(dpre), loss, act.gate() == Activation.Gate.RELU ? 1e-3 : 1e-2, 1e-2);
    }

    @Test
    void crossEntropyWithZLoss() {
        int n = 3, v = 5;
        float scale = 1f / n, z = 0.1f;
        Tensor logits = random(n * v, 2.0);
        IntBuffer targets = be.allocateInt(n);
        be.uploadInt(targets, new int[] {0, 4, 2}, n);
        Tensor losses = be.allocate(n).all(), logZ = be.allocate(n).all();
        Supplier<Double> loss = () -> {
            be.crossEntropyForward(losses, logZ, logits, targets, n, v);
            double s = 0;
            float[] l = get(losses), lz = get(logZ);
            for (int i = 0; i < n; i++) s += scale * l[i] + z * lz[i] * lz[i];
            return s;
        };
        loss.get();
        Tensor d = be.allocate(n * v).all();
        be.crossEntropyBackward(d, logits, logZ, targets, n, v, scale, z);
        check("cross-entropy dlogits", logits, get(d), loss, 1e-2, 1e-2);
        // loss_i = logZ_i − l_i,y exactly
        float[] l = get(logits), ls = get(losses), lz = get(logZ);
        double direct = 0;
        for (int j = 0; j < v; j++) direct += Math.exp(l[j]);
        assertEquals(Math.log(direct) - l[0], ls[0], 1e-5);
    }

    @Test
    void embedding() {
        int b = 2, t = 3, c = 4, v = 5;
        Tensor wte = random(v * c, 1), wpe = random(t * c, 1), r = random(b * t * c, 1);
        IntBuffer idx = be.allocateInt(b * t);
        be.uploadInt(idx, new int[] {1, 3, 1, 4, 1, 0}, b * t);   // repeated tokens must add up
        Tensor out = be.allocate(b * t * c).all();
        Supplier<Double> loss = () -> {
            be.embeddingForward(out, idx, wte, wpe, b, t, c);
            return dot(get(out), get(r));
        };
        Tensor dwte = be.allocate(v * c).all(), dwpe = be.allocate(t * c).all();
        be.embeddingBackward(dwte, dwpe, r, idx, b, t, c);
        check("embedding dwte", wte, get(dwte), loss, 1e-2, 1e-3);
        check("embedding dwpe", wpe, get(dwpe), loss, 1e-2, 1e-3);
    }

    @Test
    void gemmAllTransposesAgainstDouble() {
        int m = 5, n = 7, k = 9;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
                Tensor a = random((ta ? k : m) * lda, 1), bm = random((tb ? n : k) * ldb, 1), c = random(m * ldc, 1);
                float[] ah = get(a), bh = get(bm), c0 = get(c);
                be.gemm(ta, tb, m, n, k, 0.5f, a, lda, bm, ldb, 2f, c, ldc);
                float[] got = get(c);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int p = 0; p < k; p++) {
                            s += (double) (ta ? ah[p * lda + i] : ah[i * lda + p]) * (tb ? bh[j * ldb + p] : bh[p * ldb + j]);
                        }
                        double want = 0.5 * s + 2.0 * c0[i * ldc + j];
                        assertEquals(want, got[i * ldc + j], 1e-4, "ta=" + ta + " tb=" + tb + " at " + i + "," + j);
                    }
                    for (int j = n; j < ldc; j++) assertEquals(c0[i * ldc + j], got[i * ldc + j], "padding column written");
                }
            }
        }
    }

    @Test
    void reductionsAreExactAndSegmented() {
        Tensor x = be.allocate(10000).all();
        float[] h = new float[10000];
        for (int i = 0; i < h.length; i++) h[i] = (i % 7) - 3;
        be.upload(x, h);
        double[] s = be.sumSquares(x, new long[] {3, 9997});
        assertEquals(9 + 4 + 1, s[0]);
        double all = 0;
        for (int i = 3; i < h.length; i++) all += h[i] * h[i];
        assertEquals(all, s[1]);
        double sum = 0;
        for (float f : h) sum += f;
        assertEquals(sum, be.sum(x));
        Tensor view = x.view(0, new Shape(2, 5000));
        Tensor out = be.allocate(5000).all();
        be.columnAbsMax(out, view, 2, 5000);
        assertEquals(3f, get(out)[0]);
    }
}
