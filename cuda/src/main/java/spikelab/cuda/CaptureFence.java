package spikelab.cuda;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Keeps device-wide calls out of other threads' CUDA-graph recordings, in one process.
 *
 * <p>Thread-local stream capture only stops the capturing thread from making unsafe calls. A
 * call that synchronises the whole device, made from another thread while a stream captures
 * (cublasDestroy, cuMemFree, cuModuleUnload, cuMemFreeHost), still invalidates that capture:
 * one cell of a threaded parallel sweep finishing while another records its step would fail
 * the recording, or the clean-up, depending on timing. Recordings share this lock's read side
 * (they may overlap each other); device-wide calls take the write side, so they wait for every
 * recording in flight, and a recording waits for them. A recording is one step, so waits are
 * short; without --cuda-graphs nothing takes the read side and the write side never waits.
 */
public final class CaptureFence {
    private static final ReentrantReadWriteLock LOCK = new ReentrantReadWriteLock();

    private CaptureFence() {}

    /** Runs a recording (begin capture to end capture) while no device-wide call can start. */
    static <T> T recording(Supplier<T> capture) {
        LOCK.readLock().lock();
        try {
            return capture.get();
        } finally {
            LOCK.readLock().unlock();
        }
    }

    /**
     * Runs {@code call}, which may synchronise the whole device, once no recording is in flight.
     * From inside a recording it throws instead: a recording must not free or wait, and waiting
     * for the write side while holding the read side would never return.
     */
    public static void deviceWide(Runnable call) {
        deviceWide(() -> {
            call.run();
            return null;
        });
    }

    /** As {@link #deviceWide(Runnable)}, returning what {@code call} makes. */
    public static <T> T deviceWide(Supplier<T> call) {
        if (LOCK.getReadHoldCount() > 0) {
            throw new IllegalStateException("device memory was freed or the device synchronised while a CUDA graph was"
                    + " being recorded: run without --cuda-graphs");
        }
        LOCK.writeLock().lock();
        try {
            return call.get();
        } finally {
            LOCK.writeLock().unlock();
        }
    }
}
