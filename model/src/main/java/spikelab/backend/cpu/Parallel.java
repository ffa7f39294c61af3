package spikelab.backend.cpu;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of worker threads that splits an index range into contiguous chunks, one per
 * thread; the calling thread runs the first chunk.
 *
 * <p>Determinism contract: callers only use it where the work for index i writes outputs that
 * no other index writes, and computes them in an order that does not depend on the chunking.
 * Then results are bit-identical for any thread count.
 *
 * <p>Why not an ExecutorService: a training step dispatches a few hundred loops, many of them
 * tens of microseconds long, and submit + Future.get cost ~60 µs each on the 2-vCPU machine
 * (a parked thread must be woken), about a tenth of a reference step. Workers here spin on a
 * generation counter for a short while after each loop, so the next dispatch finds them awake;
 * only after {@link #SPIN_NANOS} without work do they park.
 */
public final class Parallel implements AutoCloseable {

    /** Body over a half-open range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** Runs everything on the calling thread: for work nested inside another parallel loop. */
    public static final Parallel SERIAL = new Parallel(1);

    /** How long an idle worker spins before parking: longer than the gaps between a step's loops. */
    private static final long SPIN_NANOS = 2_000_000;

    private final int threads;
    private final Thread[] workers;
    private final ReentrantLock callers = new ReentrantLock();

    // the current loop, published by the volatile write of generation
    private RangeBody body;
    private int n, chunks;
    private volatile long generation;
    private volatile boolean closed;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Throwable failure;
    private final boolean[] parked;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.parked = new boolean[threads];
        for (int i = 1; i < threads; i++) {
            int chunk = i;
            Thread t = new Thread(() -> work(chunk), "spikelab-cpu-" + i);
            t.setDaemon(true);
            workers[i - 1] = t;
            t.start();
        }
    }

    public int threads() { return threads; }

    /** Runs body over [0, n) split into at most {@code threads} chunks; the caller runs one. */
    public void forRange(int n, RangeBody body) {
        forRange(n, 1, body);
    }

    /**
     * As {@link #forRange(int, RangeBody)}, but does not split below {@code grain} indices per
     * chunk, so that tiny loops are not dispatched to other threads.
     */
    public void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks == 1 || callers.isHeldByCurrentThread() || !callers.tryLock()) {
            // one chunk, a loop nested in one of ours, or another thread inside a loop of this
            // pool: run it here (the contract above makes the result the same)
            body.run(0, n);
            return;
        }
        try {
            if (closed) throw new IllegalStateException("the CPU thread pool is closed");
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            failure = null;
            pending.set(chunks - 1);
            generation++;
            VarHandle.fullFence();   // then read parked: a worker announcing it cannot be missed
            for (int i = 1; i < chunks; i++) {
                if (parked[i]) LockSupport.unpark(workers[i - 1]);
            }
            Throwable own = null;
            try {
                body.run(0, (int) ((long) n / chunks));
            } catch (Throwable t) {
                own = t;
            }
            while (pending.get() != 0) Thread.onSpinWait();
            this.body = null;
            Throwable t = own != null ? own : failure;
            if (t instanceof RuntimeException) throw (RuntimeException) t;
            if (t instanceof Error) throw (Error) t;
            if (t != null) throw new IllegalStateException(t);
        } finally {
            callers.unlock();
        }
    }

    private void work(int chunk) {
        long seen = 0;
        while (true) {
            long g;
            long idleSince = System.nanoTime();
            while ((g = generation) == seen && !closed) {
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked[chunk] = true;
                    // re-check after announcing: forRange reads parked after writing generation
                    VarHandle.fullFence();
                    if (generation == seen && !closed) LockSupport.park(this);
                    parked[chunk] = false;
                    idleSince = System.nanoTime();
                }
            }
            if (closed) return;
            seen = g;
            int c = chunks;
            if (chunk < c) {
                try {
                    body.run((int) ((long) n * chunk / c), (int) ((long) n * (chunk + 1) / c));
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }

    @Override
    public void close() {
        if (this == SERIAL) return;
        closed = true;
        for (Thread t : workers) LockSupport.unpark(t);
    }
}
