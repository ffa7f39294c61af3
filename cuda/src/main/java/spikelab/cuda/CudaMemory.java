package spikelab.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import jcuda.CudaException;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * One backend's device memory: every buffer it allocated (all freed on close), zeroed in stream
 * order, with running out of memory reported as one line; and the count of buffers freed so far,
 * which tells a recorded CUDA graph that an address it holds may be gone. While a step is being
 * recorded nothing may be allocated or freed: a recording cannot hold either.
 */
final class CudaMemory implements AutoCloseable {
    private final CUstream stream;
    private final BooleanSupplier recording;
    private final List<CUdeviceptr> allocations = new ArrayList<>();
    private long releases;

    /** @param recording true while the backend's stream is being captured into a graph */
    CudaMemory(CUstream stream, BooleanSupplier recording) {
        this.stream = stream;
        this.recording = recording;
    }

    /** {@code floats} zeroed floats (at least one slot, so that size 0 still has an address). */
    CUdeviceptr alloc(long floats) {
        if (recording.getAsBoolean()) {
            throw new IllegalStateException("an op allocated " + floats + " floats while its step was being recorded");
        }
        CUdeviceptr ptr = new CUdeviceptr();
        long bytes = Math.max(1, floats) * Sizeof.FLOAT;
        try {
            cuMemAlloc(ptr, bytes);
        } catch (CudaException e) {
            throw GpuOutOfMemory.allocating(String.format("%.1f MiB", bytes / 1048576.0), e);
        }
        allocations.add(ptr);
        if (floats > 0) cuMemsetD32Async(ptr, 0, floats, stream);
        return ptr;
    }

    /** Frees {@code ptr} once the stream's queued work (which may still read it) is done. */
    void free(CUdeviceptr ptr) {
        if (recording.getAsBoolean()) {
            throw new IllegalStateException("an op freed device memory while its step was being recorded");
        }
        cuStreamSynchronize(stream);
        if (allocations.remove(ptr)) {
            CaptureFence.deviceWide(() -> cuMemFree(ptr));
            releases++;
        }
    }

    /** Buffers freed so far. */
    long releases() {
        return releases;
    }

    /** Frees everything; the caller has synchronised the stream. */
    @Override
    public void close() {
        for (CUdeviceptr ptr : allocations) cuMemFree(ptr);
        allocations.clear();
    }
}
