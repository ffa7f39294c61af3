package spikelab.cuda.matmul;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import spikelab.backend.Precision;

/**
 * GFLOP/s of the GPT-2-small products (C=768, 12 layers, T=1024, B=8, so N=8192 rows) for the
 * kernels and, where it loads, cuBLAS; fp32 and TF32. Median of event-timed repeats after
 * warm-up, on random data. Usage: {@code MatmulBench [reps] [vocab] [product-name prefix]}.
 */
public final class MatmulBench {
    /** A product of the training step and how many times one step performs it. */
    record Shape(String name, boolean ta, boolean tb, int m, int n, int k, int batch, int perStep) {
        double flops() { return 2.0 * m * n * k * batch; }
    }

    private MatmulBench() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int vocab = args.length > 1 ? Integer.parseInt(args[1]) : 50257;
        String only = args.length > 2 ? args[2] : null;  // product-name filter, e.g. for a profiler
        int N = 8192, C = 768, H4 = 3072, L = 12, T = 1024, HS = 64, BH = 8 * 12;
        List<Shape> shapes = List.of(
                new Shape("qkv fwd      x·Wqkvᵀ", false, true, N, 3 * C, C, 1, L),
                new Shape("qkv dX       dY·Wqkv", false, false, N, C, 3 * C, 1, L),
                new Shape("qkv dW       dYᵀ·x", true, false, 3 * C, C, N, 1, L),
                new Shape("proj fwd     y·Woᵀ", false, true, N, C, C, 1, L),
                new Shape("proj dX", false, false, N, C, C, 1, L),
                new Shape("proj dW", true, false, C, C, N, 1, L),
                new Shape("ffn in fwd   x·W1ᵀ", false, true, N, H4, C, 1, L),
                new Shape("ffn in dX", false, false, N, C, H4, 1, L),
                new Shape("ffn in dW", true, false, H4, C, N, 1, L),
                new Shape("ffn out fwd  h·W2ᵀ", false, true, N, C, H4, 1, L),
                new Shape("ffn out dX", false, false, N, H4, C, 1, L),
                new Shape("ffn out dW", true, false, C, H4, N, 1, L),
                new Shape("attn QKᵀ ×96", false, true, T, T, HS, BH, L),
                new Shape("attn P·V ×96", false, false, T, HS, T, BH, L),
                new Shape("attn dP=dO·Vᵀ", false, true, T, T, HS, BH, L),
                new Shape("attn dV=Pᵀ·dO", true, false, T, HS, T, BH, L),
                new Shape("attn dQ=dS·K", false, false, T, HS, T, BH, L),
                new Shape("attn dK=dSᵀ·Q", true, false, T, HS, T, BH, L),
                new Shape("lm head fwd", false, true, N, vocab, C, 1, 1),
                new Shape("lm head dX", false, false, N, C, vocab, 1, 1),
                new Shape("lm head dW", true, false, vocab, C, N, 1, 1));

        JCudaDriver.setExceptionsEnabled(true);
        cuInit(0);
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, 0);
        CUcontext ctx = new CUcontext();
        cuDevicePrimaryCtxRetain(ctx, dev);
        cuCtxSetCurrent(ctx);
        CUstream stream = new CUstream();
        cuStreamCreate(stream, 0);
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, dev);
        System.out.println("device: " + new String(name).trim());

        long maxA = 0, maxB = 0, maxC = 0;
        for (Shape s : shapes) {
            maxA = Math.max(maxA, (long) s.m * s.k * s.batch);
            maxB = Math.max(maxB, (long) s.k * s.n * s.batch);
            maxC = Math.max(maxC, (long) s.m * s.n * s.batch);
        }
        CUdeviceptr a = randomDevice(maxA, 1), b = randomDevice(maxB, 2), c = randomDevice(maxC, 3);

        List<String> labels = new ArrayList<>();
        List<Matmul> impls = new ArrayList<>();
        for (String tiles : new String[] {null, "wide", "narrow"}) {
            long t0 = System.nanoTime();
            KernelMatmul km = new KernelMatmul(stream, Precision.FP32, null);
            if (tiles == null) {
                // the first load JIT-compiles the compute_80 PTX for this GPU (then cached by the driver)
                System.out.printf("kernel module load: %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            }
            km.forcedTiles = tiles;
            labels.add(tiles == null ? "kernels-fp32" : "k-fp32-" + tiles);
            impls.add(km);
        }
        labels.add("kernels-tf32");
        impls.add(new KernelMatmul(stream, Precision.TF32, null));
        labels.add("kernels-bf16");
        impls.add(new KernelMatmul(stream, Precision.BF16, null));
        for (Precision p : Precision.values()) {
            if (p.bf16Outputs()) continue;   // a CPU emulation mode, not a product kind
            try {
                impls.add(new CublasMatmul(stream, p));
                labels.add("cublas-" + p.cliName());
            } catch (Throwable e) {
                if (p == Precision.FP32) System.out.println("cuBLAS: " + Matmuls.unavailableReason(e));
            }
        }
        double[] stepMs = new double[impls.size()];
        StringBuilder header = new StringBuilder(String.format("%-22s %-22s", "product", "m×n×k (×batch)"));
        for (String l : labels) header.append(String.format(" %14s", l));
        System.out.println(header + "   [GFLOP/s]");
        for (Shape s : shapes) {
            if (only != null && !s.name.startsWith(only)) continue;
            StringBuilder row = new StringBuilder(String.format("%-22s %-22s", s.name,
                    s.m + "×" + s.n + "×" + s.k + (s.batch > 1 ? " ×" + s.batch : "")));
            for (int i = 0; i < impls.size(); i++) {
                double ms = time(impls.get(i), s, a, b, c, stream, reps);
                stepMs[i] += ms * s.perStep;
                row.append(String.format(" %14.0f", s.flops() / ms / 1e6));
            }
            System.out.println(row);
        }
        StringBuilder total = new StringBuilder(String.format("%-45s", "GPT-2-small step, all products [ms]"));
        for (double ms : stepMs) total.append(String.format(" %14.1f", ms));
        System.out.println(total);
        for (Matmul mm : impls) mm.close();
    }

    private static double time(Matmul mm, Shape s, Pointer a, Pointer b, Pointer c, CUstream stream, int reps) {
        int lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
        Runnable run = () -> {
            if (s.batch == 1) {
                mm.gemm(s.ta, s.tb, s.m, s.n, s.k, 1f, a, lda, b, ldb, 0f, c, s.n);
            } else {
                mm.gemmStridedBatched(s.ta, s.tb, s.m, s.n, s.k, 1f, a, lda, (long) s.m * s.k, b, ldb,
                        (long) s.k * s.n, 0f, c, s.n, (long) s.m * s.n, s.batch);
            }
        };
        for (int i = 0; i < 3; i++) run.run();
        cuStreamSynchronize(stream);
        CUevent start = new CUevent(), stop = new CUevent();
        cuEventCreate(start, 0);
        cuEventCreate(stop, 0);
        float[] times = new float[reps];
        float[] ms = new float[1];
        for (int r = 0; r < reps; r++) {
            cuEventRecord(start, stream);
            run.run();
            cuEventRecord(stop, stream);
            cuEventSynchronize(stop);
            cuEventElapsedTime(ms, start, stop);
            times[r] = ms[0];
        }
        Arrays.sort(times);
        return times[reps / 2];
    }

    /** Random values in [-1, 1): one 16M-float block copied over and over (never zeros). */
    private static CUdeviceptr randomDevice(long n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] host = new float[(int) Math.min(n, 1 << 24)];
        for (int i = 0; i < host.length; i++) host[i] = (float) (rnd.nextDouble() * 2 - 1);
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, n * Sizeof.FLOAT);
        for (long off = 0; off < n; off += host.length) {
            long len = Math.min(host.length, n - off);
            cuMemcpyHtoD(p.withByteOffset(off * Sizeof.FLOAT), Pointer.to(host), len * Sizeof.FLOAT);
        }
        return p;
    }
}
