package spikelab.backend.cpu;

/**
 * The per-row passes of softmax cross-entropy in plain Java; {@link VectorCrossEntropyKernel}
 * overrides them with the same operations lane for lane, so both give the same bits.
 *
 * <p>Why a kernel: with GPT-2's 50,257 tokens a row is 50k logits, and the loss and its
 * gradient, one {@link Math#exp} per logit in double, were 63% of a d_model-64 training step;
 * the exponentials come from {@link ActivationKernel#expShifted} ({@link FloatMath#exp}, lane
 * for lane), and each block's sum is LayerNorm's 16-chain row sum, the blocks added in double.
 */
class CrossEntropyKernel {
    /** Elements per block of a row's sum: its 16 chains hold 64 terms each, the blocks are added in double. */
    static final int BLOCK = 1024;

    // max_i x[i] with Math.max's rules (NaN wins, +0 > −0), so any order of lanes gives the same value
    float max(float[] x, int off, int len) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    // Σ_i e^(x[i] − shift): each block exponentiated into scratch (BLOCK floats) and summed by
    // LayerNorm.chainSum (acc: 16 floats), the block sums added in double in block order
    final double sumExp(float[] x, int off, int len, float shift, float[] scratch, float[] acc) {
        ActivationKernel exp = Activations.kernel();
        double s = 0;
        for (int b = 0; b < len; b += BLOCK) {
            int n = Math.min(BLOCK, len - b);
            exp.expShifted(x, off + b, shift, scratch, 0, n);
            s += LayerNorm.chainSum(scratch, 0, n, acc);
        }
        return s;
    }

    // d[i] = scale·p_i + z·p_i with p_i = e^(x[i] − logZ); d may be x (the target's −scale is the caller's)
    final void grad(float[] x, int xo, float logZ, float scale, float z, float[] d, int dOff, int len) {
        Activations.kernel().expShifted(x, xo, logZ, d, dOff, len);
        scaleTwice(d, dOff, len, scale, z);
    }

    // d[i] = a·d[i] + b·d[i], each product rounded (no fma), as the scalar formula writes it
    void scaleTwice(float[] d, int off, int len, float a, float b) {
        for (int i = 0; i < len; i++) {
            float p = d[off + i];
            d[off + i] = a * p + b * p;
        }
    }
}
