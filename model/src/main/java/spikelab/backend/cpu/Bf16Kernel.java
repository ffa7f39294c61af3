package spikelab.backend.cpu;

import spikelab.backend.Bf16;

/**
 * bf16 rounding of float runs, for the emulated products: {@link Bf16#round} element by
 * element here, the same integer operations lane for lane in {@link VectorBf16Kernel}, so
 * both give the same bits. Rounding is element-wise, so it may be split over threads freely.
 */
class Bf16Kernel {
    private static final class Holder {
        static final Bf16Kernel KERNEL = VectorKernels.choose("spikelab.bf16", "spikelab.backend.cpu.VectorBf16Kernel",
                Bf16Kernel.class, Bf16Kernel::new);
    }

    /** The kernel in use: the vector one when the JVM has jdk.incubator.vector. */
    static Bf16Kernel get() { return Holder.KERNEL; }

    /** dst[dOff + i] = rnd₁₆(src[sOff + i]) for i < len; src and dst may be the same run. */
    void round(float[] src, int sOff, float[] dst, int dOff, int len) {
        for (int i = 0; i < len; i++) dst[dOff + i] = Bf16.round(src[sOff + i]);
    }

    /**
     * A rows×cols block of src (row stride ld, from off) rounded into dst (row stride dld, from
     * dOff), rows split over par's threads.
     */
    final void roundRows(Parallel par, float[] src, int off, int ld, int rows, int cols, float[] dst, int dOff, int dld) {
        par.forRange(rows, Math.max(1, 4096 / Math.max(1, cols)), (from, to) -> {
            for (int r = from; r < to; r++) round(src, off + r * ld, dst, dOff + r * dld, cols);
        });
    }
}
