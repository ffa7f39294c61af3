package spikelab.backend.cpu;

import spikelab.model.Activation;

/** FFN hidden activations; the scalar math is {@link Activation#gate} and {@link Activation#gateGrad}. */
final class Activations {
    private Activations() {}

    // plain: out = g(pre);  gated: pre row = (a | u), out = g(a) ⊙ u
    static void forward(Parallel par, float[] out, int oOff, float[] pre, int pOff, int n, int hidden, Activation act) {
        Activation.Gate gate = act.gate();
        boolean gated = act.gated();
        int pw = gated ? 2 * hidden : hidden;
        par.forRange(n, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                int p = pOff + r * pw, o = oOff + r * hidden;
                if (gated) {
                    for (int j = 0; j < hidden; j++) out[o + j] = Activation.gate(gate, pre[p + j]) * pre[p + hidden + j];
                } else {
                    for (int j = 0; j < hidden; j++) out[o + j] = Activation.gate(gate, pre[p + j]);
                }
            }
        });
    }

    // plain: dpre = dout·g'(pre);  gated: da = dout·u·g'(a), du = dout·g(a)
    static void backward(Parallel par, float[] dpre, int dpOff, float[] dout, int dOff, float[] pre, int pOff,
                         int n, int hidden, Activation act) {
        Activation.Gate gate = act.gate();
        boolean gated = act.gated();
        int pw = gated ? 2 * hidden : hidden;
        par.forRange(n, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                int p = pOff + r * pw, dp = dpOff + r * pw, d = dOff + r * hidden;
                if (gated) {
                    for (int j = 0; j < hidden; j++) {
                        float a = pre[p + j], u = pre[p + hidden + j], g = dout[d + j];
                        dpre[dp + j] = g * u * Activation.gateGrad(gate, a);
                        dpre[dp + hidden + j] = g * Activation.gate(gate, a);
                    }
                } else {
                    for (int j = 0; j < hidden; j++) dpre[dp + j] = dout[d + j] * Activation.gateGrad(gate, pre[p + j]);
                }
            }
        });
    }
}
