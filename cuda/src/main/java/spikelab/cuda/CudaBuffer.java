package spikelab.cuda;

import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import spikelab.backend.Buffer;
import spikelab.backend.Tensor;

/** float32 device memory owned by a {@link CudaBackend}; freed when the backend closes. */
public final class CudaBuffer implements Buffer {
    final CUdeviceptr ptr;
    private final long length;

    CudaBuffer(CUdeviceptr ptr, long length) {
        this.ptr = ptr;
        this.length = length;
    }

    @Override
    public long length() { return length; }

    /** The device address of a tensor's first element. */
    static CUdeviceptr of(Tensor t) {
        if (!(t.buffer() instanceof CudaBuffer)) {
            throw new IllegalArgumentException("tensor " + t + " lives in " + t.buffer().getClass().getSimpleName()
                    + ", not in CUDA memory: allocate it with the CudaBackend that runs the op");
        }
        return ((CudaBuffer) t.buffer()).ptr.withByteOffset(t.offset() * Sizeof.FLOAT);
    }
}
