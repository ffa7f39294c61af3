package spikelab.cuda;

import static jcuda.driver.JCudaDriver.cuMemGetInfo;

/**
 * The GPU had too little free memory for an allocation: one line saying what was asked for and
 * how to shrink the run. A type of its own so that callers tell it from other failures without
 * reading the message: cuBLAS short of memory must not fall back to other products, and a
 * threaded sweep queues such a cell again rather than failing it.
 */
public final class GpuOutOfMemory extends IllegalStateException {
    private GpuOutOfMemory(String message, Throwable cause) {
        super(message, cause);
    }

    /** After allocating {@code what} failed: the line, with the device's free and total memory now. */
    public static GpuOutOfMemory allocating(String what, Throwable cause) {
        long[] free = new long[1], total = new long[1];
        cuMemGetInfo(free, total);
        return new GpuOutOfMemory(String.format("out of GPU memory allocating %s (%.0f of %.0f MiB free):"
                + " use a smaller --batch, --context or --d-model", what, free[0] / 1048576.0, total[0] / 1048576.0), cause);
    }
}
