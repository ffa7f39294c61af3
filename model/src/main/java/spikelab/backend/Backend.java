package spikelab.backend;

import spikelab.model.Activation;

/**
 * Every operation training needs, forward and backward, over backend-owned memory.
 *
 * <p>Conventions, shared by all implementations so that they compute the same function:
 * <ul>
 *   <li>Matrices are row-major. {@code N} is the number of token positions (B·T).</li>
 *   <li>Backward ops <b>accumulate</b> into parameter gradients ({@code +=}); the trainer zeroes
 *       them once per step. Activation gradients are <b>overwritten</b> unless the method says
 *       it accumulates.</li>
 *   <li>Every reduction is deterministic: the same inputs give bit-identical outputs, whatever
 *       the thread count (CPU) or launch (CUDA). No float atomics.</li>
 *   <li>Methods returning host values ({@code float}, {@code double[]}) synchronise; all others
 *       may be asynchronous.</li>
 * </ul>
 */
public interface Backend extends AutoCloseable {

    /** Short human name, e.g. "cpu (2 threads, Vector API)" or "cuda (NVIDIA H100, cuBLAS)". */
    String name();

    // ---- memory ------------------------------------------------------------------------

    /** Zero-filled float32 storage of {@code n} elements. */
    Buffer allocate(long n);

    IntBuffer allocateInt(int n);

    void upload(Tensor dst, float[] src);

    void download(Tensor src, float[] dst);

    void uploadInt(IntBuffer dst, int[] src, int n);

    void fill(Tensor x, float value);

    void copy(Tensor dst, Tensor src);

    /** y += a·x. */
    void axpy(Tensor y, float a, Tensor x);

    /** Wait for queued work; a no-op on the CPU. */
    default void synchronize() {}

    @Override
    void close();

    // ---- matrix products ---------------------------------------------------------------

    /**
     * C = alpha·op(A)·op(B) + beta·C, row-major, op(A) is M×K, op(B) is K×N.
     * {@code lda/ldb/ldc} are row strides of A, B, C as stored. With beta = 0, C is not read
     * (NaN in C does not leak).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float alpha, Tensor a, int lda, Tensor b, int ldb, float beta, Tensor c, int ldc);

    // ---- layers: forward and backward side by side ---------------------------------------

    /** out[b,t,:] = wte[idx[b,t],:] + wpe[t,:]. */
    void embeddingForward(Tensor out, IntBuffer idx, Tensor wte, Tensor wpe, int b, int t, int c);

    /** dwte[idx] += dout; dwpe[t] += Σ_b dout[b,t]. */
    void embeddingBackward(Tensor dwte, Tensor dwpe, Tensor dout, IntBuffer idx, int b, int t, int c);

    /**
     * out = (x − μ)·rstd·w + bias per row of C, eps 1e-5; saves μ and rstd (N each).
     */
    void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias,
                          int n, int c);

    /** Accumulates: dx += ∂, dweight += ∂, dbias += ∂. */
    void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dout, Tensor x,
                           Tensor weight, Tensor mean, Tensor rstd, int n, int c);

    /**
     * Causal multi-head attention core. qkv is [B,T,3C] (q | k | v; head h owns columns
     * h·hs..(h+1)·hs of each). out is [B,T,C]; att [B,H,T,T] keeps the softmax probabilities
     * for backward (entries above the diagonal are zero). Writes max over all (b,h,t,s≤t) of
     * |q·k|/√hs into {@code maxLogit} (one element).
     */
    void attentionForward(Tensor out, Tensor att, Tensor maxLogit, Tensor qkv, int b, int t, int c, int h);

    /** dqkv is overwritten. */
    void attentionBackward(Tensor dqkv, Tensor dout, Tensor qkv, Tensor att, int b, int t, int c, int h);

    /**
     * Per-head LayerNorm of one part of packed qkv rows [N,3C] ({@code part} 0: q, 1: k), for
     * QK-norm: for row i and head j the hs = C/H values at i·3C + part·C + j·hs become
     * (x − μ)·rstd·w + bias, eps 1e-5, with weight and bias [hs] shared by the heads. Saves μ and
     * rstd per (i, j) in mean and rstd [N·H]. Writes only that part of out's rows.
     */
    void headNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor qkv, Tensor weight, Tensor bias,
                         int n, int c, int h, int part);

    /**
     * Backward of {@link #headNormForward}: that part of dqkv is <b>overwritten</b> (its other
     * columns are untouched); dweight and dbias accumulate, each summed over rows and heads in a
     * fixed order. dout has the [N,3C] layout too.
     */
    void headNormBackward(Tensor dqkv, Tensor dweight, Tensor dbias, Tensor dout, Tensor qkv, Tensor weight,
                          Tensor mean, Tensor rstd, int n, int c, int h, int part);

    /**
     * FFN hidden activation. Plain activations: pre is [N,h], out = act(pre).
     * Gated: pre is [N,2h] holding (gate | up) per row, out = gate_act(gate) ⊙ up.
     */
    void activationForward(Tensor out, Tensor pre, int n, int hidden, Activation act);

    /** dpre is overwritten. */
    void activationBackward(Tensor dpre, Tensor dout, Tensor pre, int n, int hidden, Activation act);

    /**
     * Per-row cross-entropy from logits [N,V]: losses[i] = logZ_i − logits[i, target_i],
     * logZ[i] = log Σ_j exp(logits[i,j]).
     */
    void crossEntropyForward(Tensor losses, Tensor logZ, Tensor logits, IntBuffer targets, int n, int v);

    /**
     * dlogits[i,j] = scale·(softmax_ij − [j = target_i]) + zScale·2·logZ_i·softmax_ij (z-loss term,
     * zScale 0 to skip). dlogits may be the logits tensor itself (in place).
     */
    void crossEntropyBackward(Tensor dlogits, Tensor logits, Tensor logZ, IntBuffer targets,
                              int n, int v, float scale, float zScale);

    // ---- optimizer and reductions ----------------------------------------------------------

    /**
     * AdamW over n elements with bias correction for {@code step} (1-based); the gradient is
     * multiplied by {@code gradScale} first (clipping). Weight decay is decoupled:
     * θ ← θ − lr·(m̂/(√v̂+eps) + wd·θ).
     */
    void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
               float eps, float weightDecay, float gradScale, int step);

    /** Adam's bias correction 1 − βᵗ as a float, computed the one way every backend and the trainer use. */
    static float adamBiasCorrection(float beta, int step) {
        return (float) (1.0 - Math.pow(beta, step));
    }

    /**
     * Σ x² over consecutive segments of {@code x} with the given lengths (in elements), each
     * summed in double in a fixed order. Returned per segment.
     */
    double[] sumSquares(Tensor x, long[] segmentLengths);

    /** Σ x, deterministic, in double. */
    double sum(Tensor x);

    /** out[j] = max over rows i of |x[i,j]|, x is [rows, cols]. */
    void columnAbsMax(Tensor out, Tensor x, int rows, int cols);

    // ---- step scalars: a training step without host round trips ---------------------------

    /** {@code n} zeroed float64 values in backend memory. */
    Scalars allocateScalars(int n);

    /** dst[0..src.length) = src. */
    void writeScalars(Scalars dst, double[] src);

    /** dst = src[0..dst.length); synchronises. */
    void readScalars(Scalars src, double[] dst);

    /** out[at + s] = Σ x² over segment s: the same values, bit for bit, {@link #sumSquares} returns. */
    void sumSquaresInto(Scalars out, int at, Tensor x, long[] segmentLengths);

    /** out[at] = Σ x: the same value, bit for bit, {@link #sum} returns. */
    void sumInto(Scalars out, int at, Tensor x);

    /**
     * The gradient-clipping scale from per-segment sums of squares: total = Σ s[from..from+count)
     * added in index order, norm = √total; s[at] = NaN when the norm is not finite (AdamW then
     * skips the step), (float)(clip/norm) when clip &gt; 0 and norm &gt; clip, else 1.
     */
    void clipScale(Scalars s, int from, int count, double clip, int at);

    /**
     * {@link #adamW} with its per-step values read from {@code s}: lr = s[at], c1 = s[at+1],
     * c2 = s[at+2] (the bias corrections 1 − βᵗ), gradScale = s[at+3], each as a float. Does
     * nothing when gradScale is NaN (see {@link #clipScale}).
     */
    void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, Scalars s, int at, float beta1, float beta2,
               float eps, float weightDecay);

    /**
     * Runs {@code body}, a fixed sequence of this backend's asynchronous ops (no method that
     * returns host values, no upload or download, the same shapes and tensors on every call).
     * A backend that can record work (CUDA graphs, when enabled) may record it on a later call
     * with the same {@code key} and replay the recording from then on instead of running the
     * Java code; inputs must then reach it through tensors, int buffers and {@link Scalars}
     * written before the call. By default: runs it.
     */
    default void replay(Object key, Runnable body) {
        body.run();
    }
}
