package spikelab.backend.cpu;

/** Token + learned position embedding. */
final class Embedding {
    private Embedding() {}

    // out[b,t,:] = wte[idx[b,t],:] + wpe[t,:]
    static void forward(Parallel par, float[] out, int oOff, int[] idx, float[] wte, int wteOff,
                        float[] wpe, int wpeOff, int b, int t, int c) {
        par.forRange(b * t, 64, (from, to) -> {
            for (int n = from; n < to; n++) {
                int tok = idx[n];
                int pos = n % t;
                int o = oOff + n * c, e = wteOff + tok * c, p = wpeOff + pos * c;
                for (int i = 0; i < c; i++) out[o + i] = wte[e + i] + wpe[p + i];
            }
        });
    }

    // dwte[idx[n]] += dout[n]; dwpe[t] += Σ_b dout[b,t].
    // Split over columns, rows in order: repeated tokens sum in a fixed order on any thread count.
    static void backward(Parallel par, float[] dwte, int dwteOff, float[] dwpe, int dwpeOff,
                         float[] dout, int dOff, int[] idx, int b, int t, int c) {
        par.forRange(c, 16, (from, to) -> {
            for (int n = 0; n < b * t; n++) {
                int d = dOff + n * c, e = dwteOff + idx[n] * c, p = dwpeOff + (n % t) * c;
                for (int i = from; i < to; i++) {
                    dwte[e + i] += dout[d + i];
                    dwpe[p + i] += dout[d + i];
                }
            }
        });
    }
}
