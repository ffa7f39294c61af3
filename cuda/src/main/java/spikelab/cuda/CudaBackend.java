package spikelab.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.util.Optional;

import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;
import spikelab.backend.Backend;
import spikelab.backend.Buffer;
import spikelab.backend.IntBuffer;
import spikelab.backend.Precision;
import spikelab.backend.Scalars;
import spikelab.backend.Tensor;
import spikelab.cuda.matmul.Matmul;
import spikelab.cuda.matmul.Matmuls;
import spikelab.model.Activation;

/**
 * The GPU backend: device 0's primary context (so cuBLAS's runtime API shares it), one stream,
 * our kernels for every op but the matrix products, which go through {@link Matmul}. All work is
 * queued on the stream; only methods returning host values, uploads and downloads wait for it.
 * Memory is allocated by the model once and reused; op scratch is sized on first use and kept.
 */
public final class CudaBackend implements Backend {
    private static final int LN_ROWS_PER_CHUNK = 256;
    private static final int ABSMAX_ROWS_PER_BLOCK = 64;
    /** Blocks of the embedding backward over tokens (each takes every this-many-th distinct token). */
    private static final int EMBEDDING_BLOCKS = 1024;

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    /** Host↔device copies on this backend's stream (see {@link HostStaging} for why). */
    private final HostStaging staging = new HostStaging(stream);
    private final CudaMemory memory;
    private final Kernels k;
    private final Matmul matmul;
    private final CudaAttention attention;
    private final CudaHeadNorm headNorm;
    private final CudaReductions reductions;
    /** Recordings for {@link #replay}; null unless CUDA graphs were asked for. */
    private final CudaGraphs graphs;
    private final String name;
    private Thread owner;
    private CUdeviceptr lnPartial;
    private long lnPartialLen;
    private boolean closed;

    /**
     * Why bf16-autocast is refused here: its output roundings exist in the CPU emulation only
     * (the kernels' bf16 products keep fp32 outputs), and a GPU run that silently skipped them
     * would compute a different function under the same name.
     */
    public static final String AUTOCAST_ON_CPU_ONLY = "--precision bf16-autocast is emulated on the CPU backend only "
            + "(the CUDA kernels round the products' inputs to bf16, not their outputs): use --device cpu, or "
            + "--precision bf16 on the GPU";

    /** Opens GPU 0; {@code tf32} lets matrix products use TF32 tensor cores. */
    public CudaBackend(boolean tf32) {
        this(tf32 ? Precision.TF32 : Precision.FP32);
    }

    /** Opens GPU 0 computing its matrix products in {@code precision} (see below). */
    public CudaBackend(Precision precision) {
        this(0, precision);
    }

    /**
     * Opens GPU {@code ordinal} computing its matrix products in {@code precision}: fp32, TF32
     * tensor cores, or bf16 mixed precision (both inputs of every product rounded to bf16, fp32
     * sums), the function {@code CpuBackend} emulates for bf16.
     */
    public CudaBackend(int ordinal, Precision precision) {
        this(ordinal, precision, false);
    }

    /**
     * As above; with {@code cudaGraphs}, {@link #replay} records a training step as a CUDA graph
     * and launches the recording instead of its kernels one by one.
     */
    public CudaBackend(int ordinal, Precision precision, boolean cudaGraphs) {
        if (precision == Precision.BF16_AUTOCAST) throw new IllegalArgumentException(AUTOCAST_ON_CPU_ONLY);
        Optional<String> why = unavailableReason();
        if (why.isPresent()) throw new IllegalStateException(why.get());
        JCudaDriver.setExceptionsEnabled(true);
        int gpus = CudaSystem.deviceCount();
        if (ordinal < 0 || ordinal >= gpus) {
            throw new IllegalStateException("GPU " + ordinal + " asked for, but this machine has " + gpus
                    + (gpus == 1 ? " GPU (number 0)" : " GPUs (0 to " + (gpus - 1) + ")"));
        }
        cuDeviceGet(device, ordinal);
        cuDevicePrimaryCtxRetain(context, device);
        Kernels kernels = null;
        Matmul mm = null;
        boolean streamMade = false;
        try {
            cuCtxSetCurrent(context);
            owner = Thread.currentThread();
            // non-blocking: runs sharing the GPU in one process (one backend and stream each)
            // never wait for each other through the legacy default stream; nothing here uses it
            cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
            streamMade = true;
            // fenced: loading modules and creating a cuBLAS handle must not land in another
            // thread's recording
            kernels = CaptureFence.deviceWide(() -> new Kernels(stream));
            mm = CaptureFence.deviceWide(() -> Matmuls.create(stream, precision));
        } catch (RuntimeException | Error e) {
            if (kernels != null) kernels.close();
            if (streamMade) cuStreamDestroy(stream);
            cuDevicePrimaryCtxRelease(device);
            throw e;
        }
        k = kernels;
        matmul = mm;
        memory = new CudaMemory(stream, this::recording);
        attention = new CudaAttention(this, k, matmul);
        headNorm = new CudaHeadNorm(this, k);
        reductions = new CudaReductions(this, k);
        graphs = cudaGraphs ? new CudaGraphs(stream, () -> memory.releases() + matmul.releases()) : null;
        name = "cuda (" + CudaSystem.deviceName(device) + ", " + matmul.describe() + (cudaGraphs ? ", CUDA graphs" : "")
                + ")";
    }

    /** Empty when a GPU, its driver and this build's kernels are usable; else one line saying why not. */
    public static Optional<String> unavailableReason() { return CudaSystem.unavailableReason(); }

    /** GPUs, driver and matrix-product path, for {@code spikelab info}. */
    public static String describeSystem() { return CudaSystem.describe(); }

    /** Free memory of GPU 0 in bytes, or -1 without a usable GPU (for sizing runs that share it). */
    public static long freeMemoryBytes() { return CudaSystem.freeMemoryBytes(); }

    @Override
    public String name() { return name; }

    /** Stream-ordered host↔device copies, for this package's op helpers. */
    HostStaging staging() { return staging; }

    /** The matrix-product implementation in use (cuBLAS or spikelab's kernels). */
    public Matmul matmul() { return matmul; }

    /** Makes the context current when a different thread than the last one calls in. */
    private void current() {
        if (closed) throw new IllegalStateException("the CUDA backend is closed");
        Thread t = Thread.currentThread();
        if (t != owner) {
            cuCtxSetCurrent(context);
            owner = t;
        }
    }

    private static CUdeviceptr p(Tensor t) { return CudaBuffer.of(t); }

    // ---- memory ----

    private CUdeviceptr alloc(long floats) {
        current();
        return memory.alloc(floats);
    }

    /** Zeroed device scratch of {@code floats} elements, replacing (and freeing) {@code old}. */
    CUdeviceptr scratch(CUdeviceptr old, long floats) {
        if (old != null) free(old);
        return alloc(floats);
    }

    void free(CUdeviceptr ptr) {
        current();
        memory.free(ptr);
    }

    private boolean recording() {
        return graphs != null && graphs.capturing();
    }

    @Override
    public Buffer allocate(long n) {
        if (n < 0) throw new IllegalArgumentException("negative buffer size " + n);
        return new CudaBuffer(alloc(n), n);
    }

    @Override
    public IntBuffer allocateInt(int n) {
        if (n < 0) throw new IllegalArgumentException("negative buffer size " + n);
        return new CudaIntBuffer(alloc(n), alloc(CudaIntBuffer.indexLength(n)), n);
    }

    @Override
    public void upload(Tensor dst, float[] src) {
        if (src.length < dst.size()) throw new IllegalArgumentException("upload of " + src.length + " floats into " + dst);
        current();
        staging.toDevice(p(dst), src, Math.toIntExact(dst.size()));
    }

    @Override
    public void download(Tensor src, float[] dst) {
        if (dst.length < src.size()) throw new IllegalArgumentException("download of " + src + " into " + dst.length + " floats");
        current();
        staging.fromDevice(dst, p(src), Math.toIntExact(src.size()));
    }

    @Override
    public void uploadInt(IntBuffer dst, int[] src, int n) {
        CudaIntBuffer d = (CudaIntBuffer) dst;
        if (n < 0 || n > d.length() || n > src.length) {
            throw new IllegalArgumentException("uploadInt of " + n + " ids into a buffer of " + d.length()
                    + " from an array of " + src.length);
        }
        int max = -1;
        for (int i = 0; i < n; i++) {
            if (src[i] < 0) throw new IllegalArgumentException("negative token id " + src[i] + " at position " + i);
            max = Math.max(max, src[i]);
        }
        if (max >= d.tableRows) throw idOutside(max, d.tableRows, "model's token");
        int[] index = CudaIntBuffer.groupByToken(src, n, max);
        current();
        if (n > 0) {
            staging.toDevice(d.ids, src, n);
            staging.toDevice(d.index, index, index.length);
        }
        d.count = n;
        d.maxId = max;
    }

    @Override
    public void fill(Tensor x, float value) {
        current();
        if (x.size() > 0) cuMemsetD32Async(p(x), Float.floatToRawIntBits(value), x.size(), stream);
    }

    @Override
    public void copy(Tensor dst, Tensor src) {
        if (dst.size() != src.size()) throw new IllegalArgumentException("copy of " + src + " into " + dst);
        current();
        if (src.size() > 0) cuMemcpyDtoDAsync(p(dst), p(src), src.size() * Sizeof.FLOAT, stream);
    }

    // y += a·x
    @Override
    public void axpy(Tensor y, float a, Tensor x) {
        if (y.size() != x.size()) throw new IllegalArgumentException("axpy of " + x + " into " + y);
        current();
        k.launch1d(k.axpy, y.size(), p(y), p(x), a, y.size());
    }

    @Override
    public void synchronize() {
        current();
        if (recording()) throw new IllegalStateException("an op waited for the GPU while its step was being recorded");
        cuStreamSynchronize(stream);
    }

    @Override
    public void close() {
        if (closed) return;
        current();
        try {
            cuStreamSynchronize(stream);
            // frees, cublasDestroy and module unloads synchronise the device: not while another
            // thread's run records its step
            CaptureFence.deviceWide(() -> {
                if (graphs != null) graphs.close();
                memory.close();
                staging.close();
                matmul.close();
                k.close();
                cuStreamDestroy(stream);
            });
        } finally {
            closed = true;
            cuDevicePrimaryCtxRelease(device);
        }
    }

    // ---- products ----

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int kk, float alpha, Tensor a, int lda,
                     Tensor b, int ldb, float beta, Tensor c, int ldc) {
        current();
        matmul.gemm(transA, transB, m, n, kk, alpha, p(a), lda, p(b), ldb, beta, p(c), ldc);
    }

    // ---- layers ----

    // out[b,t,:] = wte[idx[b,t],:] + wpe[t,:]
    @Override
    public void embeddingForward(Tensor out, IntBuffer idx, Tensor wte, Tensor wpe, int b, int t, int c) {
        CudaIntBuffer ids = ids(idx, b * t, wte.size() / c, "embedding");
        current();
        k.launch1d(k.embeddingForward, (long) b * t * c, p(out), ids.ids, p(wte), p(wpe), b * t, t, c);
    }

    // dwte[idx] += dout (positions of one token summed in position order); dwpe[t] += Σ_b dout[b,t]
    @Override
    public void embeddingBackward(Tensor dwte, Tensor dwpe, Tensor dout, IntBuffer idx, int b, int t, int c) {
        CudaIntBuffer ids = ids(idx, b * t, dwte.size() / c, "embedding");
        if (ids.count != b * t) {
            throw new IllegalArgumentException("embeddingBackward over B·T = " + b * t + " positions, but the last upload"
                    + " held " + ids.count + " ids: upload exactly B·T ids before the step");
        }
        current();
        int n = b * t;
        if (n > 0) {
            // blocks stride over the distinct tokens, whose count the kernel reads: the shape depends on n only
            k.launch(k.embeddingBackwardTokens, Math.min(n, EMBEDDING_BLOCKS), (c + 255) / 256, 256, 1, p(dwte), dout(dout),
                    ids.index, ids.index.withByteOffset(CudaIntBuffer.startsAt(n) * Sizeof.INT),
                    ids.index.withByteOffset(CudaIntBuffer.tokensAt(n) * Sizeof.INT),
                    ids.index.withByteOffset(CudaIntBuffer.countAt(n) * Sizeof.INT), c);
        }
        k.launch1d(k.embeddingBackwardPositions, (long) t * c, p(dwpe), dout(dout), b, t, c);
    }

    private static CUdeviceptr dout(Tensor t) { return p(t); }

    private static CudaIntBuffer ids(IntBuffer buf, int needed, long rows, String what) {
        CudaIntBuffer ids = (CudaIntBuffer) buf;
        if (ids.length() < needed) throw new IllegalArgumentException(what + " needs " + needed + " ids, buffer holds " + ids.length());
        if (ids.maxId >= rows) throw idOutside(ids.maxId, rows, what);
        ids.tableRows = Math.min(ids.tableRows, rows);
        return ids;
    }

    private static IllegalArgumentException idOutside(int id, long rows, String what) {
        return new IllegalArgumentException("token id " + id + " is outside the " + what + " table of " + rows
                + " rows: the vocabulary size must exceed every id in the data");
    }

    // y = (x − μ)·rstd·w + b per row, eps 1e-5
    @Override
    public void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor bias, int n, int c) {
        current();
        k.launch(k.layerNormForward, (n + 7) / 8, 1, 256, 1, p(out), p(mean), p(rstd), p(x), p(w), p(bias), n, c);
    }

    // dx += rstd·(g − mean(g) − x̂·mean(g⊙x̂)), g = dy⊙w;  dw += Σ dy⊙x̂;  db += Σ dy (fixed chunk order)
    @Override
    public void layerNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dout, Tensor x, Tensor w,
                                  Tensor mean, Tensor rstd, int n, int c) {
        current();
        k.launch(k.layerNormBackwardDx, (n + 7) / 8, 1, 256, 1, p(dx), p(dout), p(x), p(w), p(mean), p(rstd), n, c);
        int chunks = Math.max(1, (n + LN_ROWS_PER_CHUNK - 1) / LN_ROWS_PER_CHUNK);
        long need = 2L * chunks * c;
        if (lnPartial == null || lnPartialLen < need) {
            lnPartial = scratch(lnPartial, need);
            lnPartialLen = need;
        }
        k.launch(k.layerNormParamsPartial, (c + 31) / 32, chunks, 32, 8, lnPartial, p(dout), p(x), p(mean), p(rstd),
                n, c, LN_ROWS_PER_CHUNK);
        k.launch(k.layerNormParamsFinish, (c + 255) / 256, 1, 256, 1, p(dw), p(db), lnPartial, chunks, c);
    }

    @Override
    public void headNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor qkv, Tensor w, Tensor bias,
                                int n, int c, int h, int part) {
        current();
        headNorm.forward(out, mean, rstd, qkv, w, bias, n, c, h, part);
    }

    @Override
    public void headNormBackward(Tensor dqkv, Tensor dw, Tensor db, Tensor dout, Tensor qkv, Tensor w,
                                 Tensor mean, Tensor rstd, int n, int c, int h, int part) {
        current();
        headNorm.backward(dqkv, dw, db, dout, qkv, w, mean, rstd, n, c, h, part);
    }

    @Override
    public void attentionForward(Tensor out, Tensor att, Tensor maxLogit, Tensor qkv, int b, int t, int c, int h) {
        current();
        attention.forward(out, att, maxLogit, qkv, b, t, c, h);
    }

    @Override
    public void attentionBackward(Tensor dqkv, Tensor dout, Tensor qkv, Tensor att, int b, int t, int c, int h) {
        current();
        attention.backward(dqkv, dout, qkv, att, b, t, c, h);
    }

    // plain: out = g(pre);  gated: out = g(gate) ⊙ up
    @Override
    public void activationForward(Tensor out, Tensor pre, int n, int hidden, Activation act) {
        current();
        k.launch1d(k.activationForward, (long) n * hidden, p(out), p(pre), n, hidden, act.gate().ordinal(),
                act.gated() ? 1 : 0);
    }

    // plain: dpre = dout·g'(pre);  gated: dgate = dout·up·g'(gate), dup = dout·g(gate)
    @Override
    public void activationBackward(Tensor dpre, Tensor dout, Tensor pre, int n, int hidden, Activation act) {
        current();
        k.launch1d(k.activationBackward, (long) n * hidden, p(dpre), p(dout), p(pre), n, hidden,
                act.gate().ordinal(), act.gated() ? 1 : 0);
    }

    // loss_i = logZ_i − l_i,y,  logZ_i = log Σ_j exp(l_ij)
    @Override
    public void crossEntropyForward(Tensor losses, Tensor logZ, Tensor logits, IntBuffer targets, int n, int v) {
        CudaIntBuffer tg = ids(targets, n, v, "vocabulary");
        current();
        if (n > 0) k.launch(k.crossEntropyForward, n, 1, 256, 1, p(losses), p(logZ), p(logits), tg.ids, n, v);
    }

    // dl = scale·(p − onehot) + zScale·2·logZ·p
    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor logits, Tensor logZ, IntBuffer targets, int n, int v,
                                     float scale, float zScale) {
        CudaIntBuffer tg = ids(targets, n, v, "vocabulary");
        current();
        k.launch1d(k.crossEntropyBackward, (long) n * v, p(dlogits), p(logits), p(logZ), tg.ids, n, v, scale, zScale);
    }

    // ---- optimizer and reductions ----

    // θ ← θ − lr·(m̂/(√v̂ + eps) + wd·θ) with the gradient scaled by gradScale first
    @Override
    public void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, float gradScale, int step) {
        if (grad.size() != param.size() || m.size() != param.size() || v.size() != param.size()) {
            throw new IllegalArgumentException("adamW: param, grad, m and v differ in size");
        }
        if (step < 1) throw new IllegalArgumentException("adamW step is 1-based, got " + step);
        float c1 = Backend.adamBiasCorrection(beta1, step);
        float c2 = Backend.adamBiasCorrection(beta2, step);
        current();
        k.launch1d(k.adamW, param.size(), p(param), p(grad), p(m), p(v), param.size(), lr, beta1, beta2, eps,
                weightDecay, gradScale, c1, c2);
    }

    // as adamW above, with lr, c1, c2 and gradScale read from s[at..at+4) on the device (NaN scale: skip)
    @Override
    public void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, Scalars s, int at, float beta1, float beta2,
                      float eps, float weightDecay) {
        if (grad.size() != param.size() || m.size() != param.size() || v.size() != param.size()) {
            throw new IllegalArgumentException("adamW: param, grad, m and v differ in size");
        }
        CUdeviceptr values = CudaScalars.of(s).at(at, 4);
        current();
        k.launch1d(k.adamWScalars, param.size(), p(param), p(grad), p(m), p(v), param.size(), values, beta1, beta2,
                eps, weightDecay);
    }

    @Override
    public Scalars allocateScalars(int n) {
        if (n < 0) throw new IllegalArgumentException("negative scalar count " + n);
        return new CudaScalars(alloc(2L * n), n);               // a double is two float slots
    }

    @Override
    public void writeScalars(Scalars dst, double[] src) {
        CUdeviceptr values = CudaScalars.of(dst).at(0, src.length);
        current();
        if (src.length > 0) staging.toDevice(values, src, src.length);
    }

    @Override
    public void readScalars(Scalars src, double[] dst) {
        CUdeviceptr values = CudaScalars.of(src).at(0, dst.length);
        current();
        staging.fromDevice(dst, values, dst.length);
    }

    @Override
    public void sumSquaresInto(Scalars out, int at, Tensor x, long[] segmentLengths) {
        CUdeviceptr dst = CudaScalars.of(out).at(at, segmentLengths.length);
        current();
        reductions.reduceInto(dst, x, segmentLengths, true);
    }

    @Override
    public void sumInto(Scalars out, int at, Tensor x) {
        CUdeviceptr dst = CudaScalars.of(out).at(at, 1);
        current();
        reductions.reduceInto(dst, x, new long[] {x.size()}, false);
    }

    // norm = √(Σ s[from..from+count)) in index order;  s[at] = NaN (skip) | clip/norm | 1
    @Override
    public void clipScale(Scalars s, int from, int count, double clip, int at) {
        CudaScalars c = CudaScalars.of(s);
        c.at(from, count);
        c.at(at, 1);
        current();
        k.launch(k.clipScale, 1, 1, 1, 1, c.values, from, count, clip, at);
    }

    @Override
    public void replay(Object key, Runnable body) {
        current();
        if (graphs == null) body.run();
        else graphs.replay(key, body);
    }

    @Override
    public double[] sumSquares(Tensor x, long[] segmentLengths) {
        current();
        return reductions.reduce(x, segmentLengths, true);
    }

    @Override
    public double sum(Tensor x) {
        current();
        return reductions.reduce(x, new long[] {x.size()}, false)[0];
    }

    // out[j] = max_i |x[i,j]|
    @Override
    public void columnAbsMax(Tensor out, Tensor x, int rows, int cols) {
        current();
        fill(out.slice(0, cols), 0f);
        if (rows == 0 || cols == 0) return;
        k.launch(k.columnAbsMax, (cols + 255) / 256, (rows + ABSMAX_ROWS_PER_BLOCK - 1) / ABSMAX_ROWS_PER_BLOCK, 256, 1,
                p(out), p(x), rows, cols, ABSMAX_ROWS_PER_BLOCK);
    }
}
