package spikelab.backend.cpu;

/** Softmax cross-entropy over the vocabulary, one row per position. */
final class CrossEntropy {
    private CrossEntropy() {}

    // logZ_i = log Σ_j exp(l_ij) (computed around the row max),  loss_i = logZ_i − l_i,y
    static void forward(Parallel par, float[] losses, int lOff, float[] logZ, int zOff, float[] logits, int gOff,
                        int[] targets, int n, int v) {
        par.forRange(n, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                int row = gOff + r * v;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < v; j++) if (logits[row + j] > max) max = logits[row + j];
                double sum = 0;
                for (int j = 0; j < v; j++) sum += Math.exp(logits[row + j] - max);
                float lz = max + (float) Math.log(sum);
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
                for (int j = 0; j < v; j++) {
                    float p = (float) Math.exp(logits[row + j] - lz);
                    dlogits[drow + j] = scale * (p - (j == y ? 1f : 0f)) + zTerm * p;
                }
            }
        });
    }
}
