package spikelab.backend.cpu;

/**
 * Sums in double over fixed 4096-element chunks, combined in chunk order: the chunking is a
 * constant, not the thread count, so results are bit-identical on any number of threads.
 */
final class Reductions {
    private static final int CHUNK = 4096;
    private double[] partials = new double[0];

    double sumSquares(Parallel par, float[] x, int off, int n) {
        return reduce(par, x, off, n, true);
    }

    double sum(Parallel par, float[] x, int off, int n) {
        return reduce(par, x, off, n, false);
    }

    private double reduce(Parallel par, float[] x, int off, int n, boolean squares) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        if (partials.length < chunks) partials = new double[chunks];
        double[] part = partials;
        par.forRange(chunks, 4, (from, to) -> {
            for (int ch = from; ch < to; ch++) {
                int s = off + ch * CHUNK, e = off + Math.min(n, (ch + 1) * CHUNK);
                double acc = 0;
                if (squares) {
                    for (int i = s; i < e; i++) acc += (double) x[i] * x[i];
                } else {
                    for (int i = s; i < e; i++) acc += x[i];
                }
                part[ch] = acc;
            }
        });
        double total = 0;
        for (int ch = 0; ch < chunks; ch++) total += part[ch];
        return total;
    }

    // out[j] = max_i |x[i,j]|; NaN wins so a broken activation is never reported as dead
    static void columnAbsMax(Parallel par, float[] out, int oOff, float[] x, int xOff, int rows, int cols) {
        par.forRange(cols, 64, (from, to) -> {
            for (int j = from; j < to; j++) out[oOff + j] = 0f;
            for (int i = 0; i < rows; i++) {
                int r = xOff + i * cols;
                for (int j = from; j < to; j++) {
                    float a = Math.abs(x[r + j]);
                    if (a > out[oOff + j] || a != a) out[oOff + j] = a;
                }
            }
        });
    }
}
