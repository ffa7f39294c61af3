package spikelab.backend.cpu;

import spikelab.backend.Backend;
import spikelab.backend.Buffer;
import spikelab.backend.IntBuffer;
import spikelab.backend.Tensor;
import spikelab.backend.Precision;
import spikelab.backend.Scalars;
import spikelab.model.Activation;

/**
 * The reference backend: pure Java, float32, multithreaded and deterministic. Each op family
 * lives in its own class ({@link Embedding}, {@link LayerNorm}, {@link HeadNorm}, {@link Attention},
 * {@link Activations}, {@link CrossEntropy}, {@link Optimizer}, {@link Reductions}, {@link Gemm});
 * this class only unwraps tensors into arrays and offsets.
 */
public final class CpuBackend implements Backend {
    private final Parallel par;
    private final Attention attention;
    private final FusedAttention fused;
    private final Reductions reductions = new Reductions();
    private final Precision precision;

    /** fp32 products on {@code threads} threads. */
    public CpuBackend(int threads) {
        this(threads, Precision.FP32);
    }

    /**
     * {@code precision} fp32, or bf16 emulated (every product's inputs rounded to bf16), or
     * bf16-autocast emulated (outputs rounded too; see {@link Precision}); tf32 is a GPU
     * tensor-core mode this backend does not emulate.
     */
    public CpuBackend(int threads, Precision precision) {
        if (precision == Precision.TF32) {
            throw new IllegalArgumentException("tf32 is a CUDA tensor-core mode; the CPU backend computes fp32 or emulates bf16");
        }
        this.par = new Parallel(threads);
        this.precision = precision;
        this.attention = new Attention(precision);
        this.fused = FusedAttention.create(precision);
    }

    /** The precision of this backend's products. */
    public Precision precision() { return precision; }

    public int threads() { return par.threads(); }

    @Override
    public String name() {
        return "cpu (" + par.threads() + (par.threads() == 1 ? " thread, " : " threads, ") + Gemm.kernelName()
                + (precision.bf16Outputs() ? ", bf16 autocast emulated" : precision.bf16Inputs() ? ", bf16 products emulated" : "") + ")";
    }

    private static float[] a(Tensor t) { return ((CpuBuffer) t.buffer()).data; }
    private static int o(Tensor t) { return t.intOffset(); }
    private static int[] ints(IntBuffer b) { return ((CpuIntBuffer) b).data; }

    // ---- memory ----

    @Override public Buffer allocate(long n) { return new CpuBuffer(Math.toIntExact(n)); }
    @Override public IntBuffer allocateInt(int n) { return new CpuIntBuffer(n); }

    @Override
    public void upload(Tensor dst, float[] src) {
        System.arraycopy(src, 0, a(dst), o(dst), dst.intSize());
    }

    @Override
    public void download(Tensor src, float[] dst) {
        System.arraycopy(a(src), o(src), dst, 0, src.intSize());
    }

    @Override
    public void uploadInt(IntBuffer dst, int[] src, int n) {
        System.arraycopy(src, 0, ints(dst), 0, n);
    }

    @Override
    public void fill(Tensor x, float value) {
        java.util.Arrays.fill(a(x), o(x), o(x) + x.intSize(), value);
    }

    @Override
    public void copy(Tensor dst, Tensor src) {
        if (dst.size() != src.size()) throw new IllegalArgumentException("copy of " + src + " into " + dst);
        System.arraycopy(a(src), o(src), a(dst), o(dst), src.intSize());
    }

    @Override
    public void axpy(Tensor y, float alpha, Tensor x) {
        float[] ya = a(y), xa = a(x);
        int yo = o(y), xo = o(x);
        par.forRange(y.intSize(), 8192, (from, to) -> {
            for (int i = from; i < to; i++) ya[yo + i] += alpha * xa[xo + i];
        });
    }

    @Override
    public void close() { par.close(); }

    // ---- products ----

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, int lda,
                     Tensor b, int ldb, float beta, Tensor c, int ldc) {
        if (precision.bf16Outputs()) Gemm.gemmBf16Out(par, transA, transB, m, n, k, alpha, a(a), o(a), lda, a(b), o(b), ldb, beta, a(c), o(c), ldc);
        else if (precision.bf16Inputs()) Gemm.gemmBf16(par, transA, transB, m, n, k, alpha, a(a), o(a), lda, a(b), o(b), ldb, beta, a(c), o(c), ldc);
        else Gemm.gemm(par, transA, transB, m, n, k, alpha, a(a), o(a), lda, a(b), o(b), ldb, beta, a(c), o(c), ldc);
    }

    // ---- layers ----

    @Override
    public void embeddingForward(Tensor out, IntBuffer idx, Tensor wte, Tensor wpe, int b, int t, int c) {
        Embedding.forward(par, a(out), o(out), ints(idx), a(wte), o(wte), a(wpe), o(wpe), b, t, c);
    }

    @Override
    public void embeddingBackward(Tensor dwte, Tensor dwpe, Tensor dout, IntBuffer idx, int b, int t, int c) {
        Embedding.backward(par, a(dwte), o(dwte), a(dwpe), o(dwpe), a(dout), o(dout), ints(idx), b, t, c);
    }

    @Override
    public void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor bias, int n, int c) {
        LayerNorm.forward(par, a(out), o(out), a(mean), o(mean), a(rstd), o(rstd), a(x), o(x), a(w), o(w),
                a(bias), o(bias), n, c);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dout, Tensor x, Tensor w,
                                  Tensor mean, Tensor rstd, int n, int c) {
        LayerNorm.backward(par, a(dx), o(dx), a(dw), o(dw), a(db), o(db), a(dout), o(dout), a(x), o(x),
                a(w), o(w), a(mean), o(mean), a(rstd), o(rstd), n, c);
    }

    @Override
    public void attentionForward(Tensor out, Tensor att, Tensor maxLogit, Tensor qkv, int b, int t, int c, int h) {
        if (fused(c, h)) fused.forward(par, a(out), o(out), a(att), o(att), a(maxLogit), o(maxLogit), a(qkv), o(qkv), b, t, c, h);
        else attention.forward(par, a(out), o(out), a(att), o(att), a(maxLogit), o(maxLogit), a(qkv), o(qkv), b, t, c, h);
    }

    @Override
    public void attentionBackward(Tensor dqkv, Tensor dout, Tensor qkv, Tensor att, int b, int t, int c, int h) {
        if (fused(c, h)) fused.backward(par, a(dqkv), o(dqkv), a(dout), o(dout), a(qkv), o(qkv), a(att), o(att), b, t, c, h);
        else attention.backward(par, a(dqkv), o(dqkv), a(dout), o(dout), a(qkv), o(qkv), a(att), o(att), b, t, c, h);
    }

    // head sizes the vector kernel cannot tile run on the blocked products
    private boolean fused(int c, int h) {
        return fused.supports(c / h);
    }

    @Override
    public void headNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor qkv, Tensor w, Tensor bias,
                                int n, int c, int h, int part) {
        HeadNorm.forward(par, a(out), o(out), a(mean), o(mean), a(rstd), o(rstd), a(qkv), o(qkv), a(w), o(w),
                a(bias), o(bias), n, c, h, part);
    }

    @Override
    public void headNormBackward(Tensor dqkv, Tensor dw, Tensor db, Tensor dout, Tensor qkv, Tensor w,
                                 Tensor mean, Tensor rstd, int n, int c, int h, int part) {
        HeadNorm.backward(par, a(dqkv), o(dqkv), a(dw), o(dw), a(db), o(db), a(dout), o(dout), a(qkv), o(qkv),
                a(w), o(w), a(mean), o(mean), a(rstd), o(rstd), n, c, h, part);
    }

    @Override
    public void activationForward(Tensor out, Tensor pre, int n, int hidden, Activation act) {
        Activations.forward(par, a(out), o(out), a(pre), o(pre), n, hidden, act);
        // autocast: the activation runs on a bf16 tensor, so its output is bf16
        if (precision.bf16Outputs()) Bf16Kernel.get().roundRows(par, a(out), o(out), hidden, n, hidden, a(out), o(out), hidden);
    }

    @Override
    public void activationBackward(Tensor dpre, Tensor dout, Tensor pre, int n, int hidden, Activation act) {
        Activations.backward(par, a(dpre), o(dpre), a(dout), o(dout), a(pre), o(pre), n, hidden, act);
        // autocast: the gradient of a bf16 tensor (the product's output, pre) is bf16
        if (precision.bf16Outputs()) {
            int w = act.gated() ? 2 * hidden : hidden;
            Bf16Kernel.get().roundRows(par, a(dpre), o(dpre), w, n, w, a(dpre), o(dpre), w);
        }
    }

    @Override
    public void crossEntropyForward(Tensor losses, Tensor logZ, Tensor logits, IntBuffer targets, int n, int v) {
        CrossEntropy.forward(par, a(losses), o(losses), a(logZ), o(logZ), a(logits), o(logits), ints(targets), n, v);
    }

    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor logits, Tensor logZ, IntBuffer targets, int n, int v,
                                     float scale, float zScale) {
        CrossEntropy.backward(par, a(dlogits), o(dlogits), a(logits), o(logits), a(logZ), o(logZ), ints(targets),
                n, v, scale, zScale);
    }

    // ---- optimizer and reductions ----

    @Override
    public void adamW(Tensor p, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, float gradScale, int step) {
        Optimizer.adamW(par, a(p), o(p), a(g), o(g), a(m), o(m), a(v), o(v), p.intSize(), lr, beta1, beta2, eps,
                weightDecay, gradScale, step);
    }

    @Override
    public double[] sumSquares(Tensor x, long[] segmentLengths) {
        double[] out = new double[segmentLengths.length];
        int off = o(x);
        for (int s = 0; s < segmentLengths.length; s++) {
            int len = Math.toIntExact(segmentLengths[s]);
            out[s] = reductions.sumSquares(par, a(x), off, len);
            off += len;
        }
        if (off - o(x) > x.size()) throw new IllegalArgumentException("segments exceed " + x);
        return out;
    }

    @Override
    public double sum(Tensor x) {
        return reductions.sum(par, a(x), o(x), x.intSize());
    }

    @Override
    public void columnAbsMax(Tensor out, Tensor x, int rows, int cols) {
        Reductions.columnAbsMax(par, a(out), o(out), a(x), o(x), rows, cols);
    }

    // ---- step scalars ----

    /** Step scalars on the heap. */
    private record CpuScalars(double[] values) implements Scalars {
        @Override public int length() { return values.length; }
    }

    private static double[] d(Scalars s) { return ((CpuScalars) s).values; }

    @Override
    public Scalars allocateScalars(int n) { return new CpuScalars(new double[n]); }

    @Override
    public void writeScalars(Scalars dst, double[] src) {
        System.arraycopy(src, 0, d(dst), 0, src.length);
    }

    @Override
    public void readScalars(Scalars src, double[] dst) {
        System.arraycopy(d(src), 0, dst, 0, dst.length);
    }

    @Override
    public void sumSquaresInto(Scalars out, int at, Tensor x, long[] segmentLengths) {
        double[] sums = sumSquares(x, segmentLengths);
        System.arraycopy(sums, 0, d(out), at, sums.length);
    }

    @Override
    public void sumInto(Scalars out, int at, Tensor x) {
        d(out)[at] = sum(x);
    }

    // norm = √(Σ s[from..from+count));  scale = NaN (skip) | clip/norm | 1
    @Override
    public void clipScale(Scalars s, int from, int count, double clip, int at) {
        double[] v = d(s);
        double total = 0;
        for (int i = from; i < from + count; i++) total += v[i];
        double norm = Math.sqrt(total);
        v[at] = !Double.isFinite(norm) ? Double.NaN : clip > 0 && norm > clip ? (float) (clip / norm) : 1.0;
    }

    @Override
    public void adamW(Tensor p, Tensor g, Tensor m, Tensor v, Scalars s, int at, float beta1, float beta2, float eps,
                      float weightDecay) {
        double[] sv = d(s);
        float gradScale = (float) sv[at + 3];
        if (Float.isNaN(gradScale)) return;
        Optimizer.adamW(par, a(p), o(p), a(g), o(g), a(m), o(m), a(v), o(v), p.intSize(), (float) sv[at], beta1, beta2,
                eps, weightDecay, gradScale, (float) sv[at + 1], (float) sv[at + 2]);
    }
}
