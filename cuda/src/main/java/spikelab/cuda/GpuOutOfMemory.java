package spikelab.cuda;

/**
 * The GPU had too little free memory for an allocation: one line saying what was asked for and
 * how to shrink the run. A type of its own so that callers tell it from other failures without
 * reading the message: cuBLAS short of memory must not fall back to other products, and a
 * threaded sweep queues such a cell again rather than failing it.
 */
public final class GpuOutOfMemory extends IllegalStateException {
    public GpuOutOfMemory(String message, Throwable cause) {
        super(message, cause);
    }
}
