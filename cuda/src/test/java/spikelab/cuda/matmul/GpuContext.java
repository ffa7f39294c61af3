package spikelab.cuda.matmul;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.util.ArrayList;
import java.util.List;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.Assumptions;

/** Device 0's primary context and one stream, as the CUDA backend sets them up; skips without a GPU. */
final class GpuContext implements AutoCloseable {
    final CUdevice device = new CUdevice();
    final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    private final List<CUdeviceptr> allocations = new ArrayList<>();

    private GpuContext() {}

    private static GpuContext shared;
    private static String unavailable;

    /**
     * The shared context, opened on first use; skips the calling test (printing why) when there
     * is no usable GPU or the build carries no kernels.
     */
    static synchronized GpuContext openOrSkip() {
        if (shared == null && unavailable == null) {
            if (GpuContext.class.getResource("/spikelab/cuda/ptx/matmul.ptx") == null) {
                unavailable = "matmul.ptx missing (built without nvcc)";
            } else {
                GpuContext g = new GpuContext();
                try {
                    JCudaDriver.setExceptionsEnabled(true);
                    cuInit(0);
                    cuDeviceGet(g.device, 0);
                    cuDevicePrimaryCtxRetain(g.context, g.device);
                    cuCtxSetCurrent(g.context);
                    cuStreamCreate(g.stream, 0);
                    shared = g;
                } catch (LinkageError | CudaException e) { // NoClassDefFoundError once another suite failed to load the natives
                    unavailable = "no usable CUDA GPU/driver here (" + firstLine(e) + ")";
                }
            }
            if (unavailable != null) System.out.println("[gpu tests skipped] " + unavailable);
        }
        Assumptions.assumeTrue(shared != null, () -> unavailable + "; GPU test skipped");
        cuCtxSetCurrent(shared.context);
        return shared;
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return e.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }

    CUdeviceptr alloc(long floats) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, Math.max(1, floats) * Sizeof.FLOAT);
        allocations.add(p);
        return p;
    }

    CUdeviceptr upload(float[] host) {
        CUdeviceptr p = alloc(host.length);
        cuMemcpyHtoD(p, Pointer.to(host), (long) host.length * Sizeof.FLOAT);
        return p;
    }

    float[] download(CUdeviceptr p, int n) {
        cuStreamSynchronize(stream);
        float[] host = new float[n];
        cuMemcpyDtoH(Pointer.to(host), p, (long) n * Sizeof.FLOAT);
        return host;
    }

    /** Frees this suite's buffers; the context and stream stay for the next suite. */
    @Override
    public void close() {
        cuStreamSynchronize(stream);
        for (CUdeviceptr p : allocations) cuMemFree(p);
        allocations.clear();
    }
}
