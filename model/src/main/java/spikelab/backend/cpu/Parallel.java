package spikelab.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A fixed pool that splits an index range into contiguous chunks, one per thread.
 *
 * <p>Determinism contract: callers only use it where the work for index i writes outputs that
 * no other index writes, and computes them in an order that does not depend on the chunking.
 * Then results are bit-identical for any thread count.
 */
public final class Parallel implements AutoCloseable {

    /** Body over a half-open range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** Runs everything on the calling thread: for work nested inside another parallel loop. */
    public static final Parallel SERIAL = new Parallel(1);

    private final int threads;
    private final ExecutorService pool;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "spikelab-cpu");
            t.setDaemon(true);
            return t;
        });
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
        if (chunks == 1 || pool == null) {
            body.run(0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(chunks - 1);
        for (int i = 1; i < chunks; i++) {
            int from = (int) ((long) n * i / chunks);
            int to = (int) ((long) n * (i + 1) / chunks);
            futures.add(pool.submit(() -> body.run(from, to)));
        }
        body.run(0, (int) ((long) n / chunks));
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException) throw (RuntimeException) c;
                if (c instanceof Error) throw (Error) c;
                throw new IllegalStateException(c);
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
