package spikelab.cuda;

import jcuda.driver.CUdeviceptr;
import spikelab.backend.Scalars;

/** Step scalars as float64 values in device memory. */
final class CudaScalars implements Scalars {
    final CUdeviceptr values;
    private final int length;

    CudaScalars(CUdeviceptr values, int length) {
        this.values = values;
        this.length = length;
    }

    @Override
    public int length() { return length; }

    /** Address of value {@code i}, after checking that values i .. i + count − 1 exist. */
    CUdeviceptr at(int i, int count) {
        if (i < 0 || count < 0 || i + count > length) {
            throw new IllegalArgumentException("step scalars " + i + ".." + (i + count - 1) + " outside 0.." + (length - 1));
        }
        return values.withByteOffset(8L * i);
    }

    static CudaScalars of(Scalars s) {
        if (s instanceof CudaScalars c) return c;
        throw new IllegalArgumentException("step scalars of another backend (" + s.getClass().getSimpleName() + ")");
    }
}
