package spikelab.backend.cpu;

/** Softmax cross-entropy over the vocabulary, one row per position. */
final class CrossEntropy {
    private CrossEntropy() {}

    private static final CrossEntropyKernel KERNEL = VectorKernels.choose("spikelab.crossentropy",
            "spikelab.backend.cpu.VectorCrossEntropyKernel", CrossEntropyKernel.class, CrossEntropyKernel::new);

    // logZ_i = log Σ_j exp(l_ij) (computed around the row max),  loss_i = logZ_i − l_i,y
    static void forward(Parallel par, float[] losses, int lOff, float[] logZ, int zOff, float[] logits, int gOff,
                        int[] targets, int n, int v) {
        par.forRange(n, 16, (from, to) -> {
            float[] scratch = new float[CrossEntropyKernel.BLOCK], acc = new float[LayerNormKernel.CHAINS];
            for (int r = from; r < to; r++) {
                int row = gOff + r * v;
                float max = KERNEL.max(logits, row, v);
                float lz = max + (float) Math.log(KERNEL.sumExp(logits, row, v, max, scratch, acc));
                logZ[zOff + r] = lz;
                losses[lOff + r] = lz - logits[row + targets[r]];
            }
        });
    }

    // dl_ij = scale·(p_ij − [j = y_i]) + z·2·logZ_i·p_ij  with p = exp(l − logZ); may run in place
    static void backward(Parallel par, float[] dlogits, int dOff, float[] logits, int gOff, float[] logZ, int zOff,
                         int[] targets, int n, int v, float scale, float zScale) {
        par.forRange(n, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                int row = gOff + r * v, drow = dOff + r * v;
                float lz = logZ[zOff + r];
                float zTerm = zScale * 2f * lz;
                int y = targets[r];
                float py = FloatMath.exp(logits[row + y] - lz);   // read before an in-place pass overwrites it
                KERNEL.grad(logits, row, lz, scale, zTerm, dlogits, drow, v);
                dlogits[drow + y] = scale * (py - 1f) + zTerm * py;
            }
        });
    }
}
