package spikelab.backend.cpu;

import spikelab.model.Activation;

/**
 * FFN hidden activations, a row of tokens at a time, on the Vector API kernel when the JVM has
 * jdk.incubator.vector and on the plain-Java kernel otherwise (same bits either way). The
 * reference math, in double-precision tanh/exp, is {@link Activation#gate} and
 * {@link Activation#gateGrad}; {@code ActivationKernelTest} holds the two together.
 */
final class Activations {
    private Activations() {}

    private static final ActivationKernel KERNEL = VectorKernels.choose("spikelab.activations",
            "spikelab.backend.cpu.VectorActivationKernel", ActivationKernel.class, ActivationKernel::new);

    /** The element-wise kernel in use, also for attention's softmax exponentials. */
    static ActivationKernel kernel() { return KERNEL; }

    // plain: out = g(pre);  gated: pre row = (a | u), out = g(a) ⊙ u
    static void forward(Parallel par, float[] out, int oOff, float[] pre, int pOff, int n, int hidden, Activation act) {
        Activation.Gate gate = act.gate();
        boolean gated = act.gated();
        int pw = gated ? 2 * hidden : hidden;
        par.forRange(n, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                int p = pOff + r * pw, o = oOff + r * hidden;
                if (gated) {
                    KERNEL.gatedValue(gate, pre, p, pre, p + hidden, out, o, hidden);
                } else {
                    KERNEL.value(gate, pre, p, out, o, hidden);
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
                    KERNEL.gatedGrad(gate, dout, d, pre, p, pre, p + hidden, dpre, dp, dpre, dp + hidden, hidden);
                } else {
                    KERNEL.grad(gate, dout, d, pre, p, dpre, dp, hidden);
                }
            }
        });
    }
}
