package spikelab.backend.cpu;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The matrix products of a training step of the DESIGN §5 model (N = B·T = 2048, C = 128,
 * h = 512), in the transpose combinations the model uses: forward y = x·Wᵀ (NT), input
 * gradient dx = dy·W (NN), weight gradient dW = dyᵀ·x (TN, k = 2048). "peak" is the 1024³
 * product that {@code spikelab bench} measures MFU against. The gflop counter is the rate.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
@State(Scope.Benchmark)
public class GemmBench {
    /** op:m x n x k. */
    @Param({"NT:2048x384x128", "NT:2048x512x128", "NT:2048x128x512", "NN:2048x128x512", "TN:512x128x2048",
            "TN:128x512x2048", "NT:2048x65x128", "NN:1024x1024x1024"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    /** "vector" (the default kernel when the module is present) or "scalar" (plain Java). */
    @Param({"vector"})
    public String kernel;

    private boolean ta, tb;
    private int m, n, k;
    private float[] a, b, c;
    private Parallel par;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Flops {
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() { gflop = 0; }
    }

    @Setup
    public void setup() {
        String[] parts = shape.split("[:x]");
        ta = parts[0].charAt(0) == 'T';
        tb = parts[0].charAt(1) == 'T';
        m = Integer.parseInt(parts[1]);
        n = Integer.parseInt(parts[2]);
        k = Integer.parseInt(parts[3]);
        Random rnd = new Random(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
        par = new Parallel(threads);
    }

    @TearDown
    public void close() { par.close(); }

    @Benchmark
    public float[] gemm(Flops f) {
        int lda = ta ? m : k, ldb = tb ? k : n;
        if (kernel.equals("scalar")) {
            Gemm.gemmScalar(par, ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
        } else {
            Gemm.gemm(par, ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
        }
        f.gflop += 2e-9 * m * n * k;
        return c;
    }
}
