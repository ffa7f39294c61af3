package spikelab.cuda;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * Host↔device copies queued on one backend's stream, through a page-locked staging buffer.
 *
 * <p>Why not plain {@code cuMemcpyHtoD}: it runs on the legacy default stream. With several
 * backends in one process (runs sharing a GPU, one stream each) that either serialises every
 * run at every copy (blocking streams wait for the default stream and it for them) or, with
 * non-blocking streams, races: a copy from pageable memory may return before its DMA lands,
 * and the stream's next kernel would not wait for it. Copies queued on the backend's own
 * stream are ordered with its kernels and with nothing else. Async copies need page-locked
 * host memory (a Java array may move), hence the staging buffer; large transfers go through
 * it in chunks.
 */
final class HostStaging implements AutoCloseable {
    /** Largest staging buffer: parameter uploads of big models pass through in chunks of this. */
    static final long MAX_BYTES = 8L << 20;

    private final CUstream stream;
    private Pointer host;
    private ByteBuffer buf;
    private long capacity;

    /** Puts {@code count} elements of the source, from element {@code from}, into b (native order, at 0). */
    private interface Fill { void put(ByteBuffer b, int from, int count); }

    /** Takes {@code count} elements from b (native order, at 0) into the destination at element {@code from}. */
    private interface Drain { void get(ByteBuffer b, int from, int count); }

    HostStaging(CUstream stream) {
        this.stream = stream;
    }

    void toDevice(CUdeviceptr dst, float[] src, int n) {
        toDevice(dst, 4, n, (b, from, count) -> b.asFloatBuffer().put(src, from, count));
    }

    void toDevice(CUdeviceptr dst, int[] src, int n) {
        toDevice(dst, 4, n, (b, from, count) -> b.asIntBuffer().put(src, from, count));
    }

    void toDevice(CUdeviceptr dst, long[] src, int n) {
        toDevice(dst, 8, n, (b, from, count) -> b.asLongBuffer().put(src, from, count));
    }

    void toDevice(CUdeviceptr dst, double[] src, int n) {
        toDevice(dst, 8, n, (b, from, count) -> b.asDoubleBuffer().put(src, from, count));
    }

    /** Returns when the values are in {@code dst}; waits for everything queued before on the stream. */
    void fromDevice(float[] dst, CUdeviceptr src, int n) {
        fromDevice(src, 4, n, (b, from, count) -> b.asFloatBuffer().get(dst, from, count));
    }

    void fromDevice(double[] dst, CUdeviceptr src, int n) {
        fromDevice(src, 8, n, (b, from, count) -> b.asDoubleBuffer().get(dst, from, count));
    }

    /**
     * Queues the copy and returns once the source has been taken into the staging buffer (the
     * caller may reuse its array); the device sees the values in stream order.
     */
    private void toDevice(CUdeviceptr dst, int elemBytes, int n, Fill fill) {
        int per = (int) (ensure((long) n * elemBytes) / elemBytes);
        for (long from = 0; from < n; from += per) {
            int count = (int) Math.min(per, n - from);
            cuStreamSynchronize(stream);           // the previous copy out of the staging buffer is done
            fill.put(view(), (int) from, count);   // from < n, an int
            cuMemcpyHtoDAsync(dst.withByteOffset((long) from * elemBytes), host, (long) count * elemBytes, stream);
        }
    }

    private void fromDevice(CUdeviceptr src, int elemBytes, int n, Drain drain) {
        int per = (int) (ensure((long) n * elemBytes) / elemBytes);
        for (long from = 0; from < n; from += per) {
            int count = (int) Math.min(per, n - from);
            cuMemcpyDtoHAsync(host, src.withByteOffset((long) from * elemBytes), (long) count * elemBytes, stream);
            cuStreamSynchronize(stream);
            drain.get(view(), (int) from, count);
        }
    }

    /** A staging buffer of min(bytes, MAX_BYTES) at least (8 bytes or more); returns its size. */
    private long ensure(long bytes) {
        long want = Math.max(8, Math.min(bytes, MAX_BYTES));
        if (want > capacity) {
            long size = Math.min(MAX_BYTES, Math.max(want, 2 * capacity));
            if (host != null) {
                cuStreamSynchronize(stream);       // a queued copy may still read the old buffer
                Pointer old = host;
                CaptureFence.deviceWide(() -> cuMemFreeHost(old));
                host = null;
                capacity = 0;
            }
            Pointer p = new Pointer();
            cuMemAllocHost(p, size);
            host = p;
            buf = p.getByteBuffer(0, size);
            capacity = size;
        }
        return capacity;
    }

    private ByteBuffer view() {
        return buf.duplicate().order(ByteOrder.nativeOrder()).clear();
    }

    @Override
    public void close() {
        if (host != null) {
            cuStreamSynchronize(stream);
            cuMemFreeHost(host);
            host = null;
            capacity = 0;
        }
    }
}
