package spikelab.backend.cpu;

import spikelab.backend.Backend;

/** The AdamW update, element-wise (so any split over threads gives the same bits). */
final class Optimizer {
    private Optimizer() {}

    private static final AdamWKernel KERNEL = VectorKernels.choose("spikelab.adamw", "spikelab.backend.cpu.VectorAdamWKernel",
            AdamWKernel.class, AdamWKernel::new);

    // g ← s·g;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
    // θ ← θ − lr·( m/(1−β1ᵗ) / (√(v/(1−β2ᵗ)) + eps) + wd·θ )
    static void adamW(Parallel par, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
                      int n, float lr, float beta1, float beta2, float eps, float wd, float gradScale, int step) {
        adamW(par, p, pOff, g, gOff, m, mOff, v, vOff, n, lr, beta1, beta2, eps, wd, gradScale,
                Backend.adamBiasCorrection(beta1, step), Backend.adamBiasCorrection(beta2, step));
    }

    static void adamW(Parallel par, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
                      int n, float lr, float beta1, float beta2, float eps, float wd, float gradScale, float c1, float c2) {
        par.forRange(n, 4096, (from, to) -> KERNEL.update(p, pOff + from, g, gOff + from, m, mOff + from, v, vOff + from,
                to - from, lr, beta1, beta2, eps, wd, gradScale, c1, c2));
    }
}
