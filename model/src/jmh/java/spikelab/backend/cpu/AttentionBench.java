package spikelab.backend.cpu;

import java.util.Random;
import spikelab.backend.Precision;
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
 * Causal attention forward and backward of one layer at the DESIGN §5 shape (B = 16, T = 128,
 * C = 128, H = 4). The gflop counter counts the causal work only (the lower triangle:
 * 2·T²·hs per product and (b,h) pair, halved), so its rate is comparable across implementations
 * that do or do not skip the masked half.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
@State(Scope.Benchmark)
public class AttentionBench {
    @Param({"1", "2"})
    public int threads;

    @Param({"128"})
    public int t;

    /** "fused" (what the CPU backend runs for fp32) or "blocked" (the products-then-softmax path, bf16's). */
    @Param({"fused", "blocked"})
    public String impl;

    private final int b = 16, c = 128, h = 4;
    private float[] qkv, out, att, maxLogit, dout, dqkv;
    private Attention attention;
    private FusedAttention fused;
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
        Random rnd = new Random(1);
        qkv = new float[b * t * 3 * c];
        dout = new float[b * t * c];
        for (int i = 0; i < qkv.length; i++) qkv[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < dout.length; i++) dout[i] = (float) rnd.nextGaussian();
        out = new float[b * t * c];
        dqkv = new float[qkv.length];
        att = new float[b * h * t * t];
        maxLogit = new float[1];
        attention = new Attention(Precision.FP32);
        fused = FusedAttention.create();
        par = new Parallel(threads);
    }

    @TearDown
    public void close() { par.close(); }

    private double causalGflop(int products) {
        return products * 1e-9 * b * h * t * (double) t * (c / h);
    }

    @Benchmark
    public float[] forward(Flops f) {
        if (impl.equals("fused")) fused.forward(par, out, 0, att, 0, maxLogit, 0, qkv, 0, b, t, c, h);
        else attention.forward(par, out, 0, att, 0, maxLogit, 0, qkv, 0, b, t, c, h);
        f.gflop += causalGflop(2);
        return out;
    }

    @Benchmark
    public float[] backward(Flops f) {
        if (impl.equals("fused")) fused.backward(par, dqkv, 0, dout, 0, qkv, 0, att, 0, b, t, c, h);
        else attention.backward(par, dqkv, 0, dout, 0, qkv, 0, att, 0, b, t, c, h);
        f.gflop += causalGflop(4);
        return dqkv;
    }
}
