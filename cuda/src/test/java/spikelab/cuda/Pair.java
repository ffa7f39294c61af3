package spikelab.cuda;

import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import spikelab.backend.Backend;
import spikelab.backend.IntBuffer;
import spikelab.backend.Precision;
import spikelab.backend.Tensor;
import spikelab.backend.cpu.CpuBackend;
import spikelab.model.Rng;

/**
 * The CPU reference and a CUDA backend side by side, with helpers that put the same random data
 * into both and compare results by relative error ‖a − b‖/‖b‖.
 */
final class Pair implements AutoCloseable {
    /** fp32, or emulating bf16 when the GPU computes bf16 (the CPU has no TF32: it stays fp32 then). */
    final CpuBackend cpu;
    final CudaBackend gpu;
    private final Rng rng;

    /** Both tensors of one logical value. */
    static final class T {
        final Tensor c, g;

        T(Tensor c, Tensor g) {
            this.c = c;
            this.g = g;
        }
    }

    static final class Ids {
        final IntBuffer c, g;

        Ids(IntBuffer c, IntBuffer g) {
            this.c = c;
            this.g = g;
        }
    }

    private Pair(Precision gpuPrecision, long seed) {
        cpu = new CpuBackend(2, gpuPrecision == Precision.BF16 ? Precision.BF16 : Precision.FP32);
        gpu = new CudaBackend(gpuPrecision);
        rng = new Rng(seed);
    }

    /** Skips the calling test (printing why) where no usable GPU is present. */
    static Pair openOrSkip(boolean tf32, long seed) {
        return openOrSkip(tf32 ? Precision.TF32 : Precision.FP32, seed);
    }

    static Pair openOrSkip(Precision gpuPrecision, long seed) {
        skipWithoutGpu();
        return new Pair(gpuPrecision, seed);
    }

    /** A pair where a GPU is usable, else null (the tests then skip through {@link #skipWithoutGpu}). */
    static Pair openIfAvailable(boolean tf32, long seed) {
        return CudaBackend.unavailableReason().isPresent() ? null : new Pair(tf32 ? Precision.TF32 : Precision.FP32, seed);
    }

    static void skipWithoutGpu() {
        Optional<String> why = CudaBackend.unavailableReason();
        if (why.isPresent()) System.out.println("[gpu test skipped] " + why.get());
        Assumptions.assumeTrue(why.isEmpty(), () -> "GPU test skipped: " + why.orElse(""));
    }

    T random(int n, double scale) {
        float[] h = new float[n];
        for (int i = 0; i < n; i++) h[i] = (float) (rng.nextGaussian() * scale);
        return of(h);
    }

    T of(float[] h) {
        Tensor c = cpu.allocate(h.length).all(), g = gpu.allocate(h.length).all();
        cpu.upload(c, h);
        gpu.upload(g, h);
        return new T(c, g);
    }

    T zeros(int n) {
        return new T(cpu.allocate(n).all(), gpu.allocate(n).all());
    }

    Ids ids(int n, int bound) {
        int[] h = new int[n];
        for (int i = 0; i < n; i++) h[i] = (int) (rng.nextDouble() * bound);
        IntBuffer c = cpu.allocateInt(n), g = gpu.allocateInt(n);
        cpu.uploadInt(c, h, n);
        gpu.uploadInt(g, h, n);
        return new Ids(c, g);
    }

    static float[] get(Backend be, Tensor t) {
        float[] h = new float[t.intSize()];
        be.download(t, h);
        return h;
    }

    /** Relative error of the GPU value against the CPU one. */
    double relErr(T t) {
        return relErr(get(gpu, t.g), get(cpu, t.c));
    }

    static double relErr(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        if (Double.isNaN(num)) return Double.POSITIVE_INFINITY;
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    @Override
    public void close() {
        gpu.close();
        cpu.close();
    }
}
