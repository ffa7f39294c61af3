package spikelab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import spikelab.backend.Backend;
import spikelab.run.UserError;
import spikelab.train.Devices;

/**
 * {@code bench --runs K} in threads of this process: each thread opens its own backend (on a
 * GPU: its own stream in the process's one context, so the runs' kernels can overlap on the
 * device instead of time-slicing between contexts as separate processes do), builds and warms
 * up its model, waits until all K are ready, and times its steps; the aggregate is computed as
 * for processes ({@link BenchRuns#aggregate}).
 */
final class BenchThreads {
    /** How long a run waits for the others to be ready: a big model on a slow device builds and warms up for minutes. */
    private static final long READY_TIMEOUT_MINUTES = 30;

    private BenchThreads() {}

    static BenchRuns.Result run(BenchCommand bench, int runs, int threadsPerRun) {
        CyclicBarrier ready = new CyclicBarrier(runs);
        String[] lines = new String[runs];
        Throwable[] failures = new Throwable[runs];
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < runs; k++) {
            final int run = k;
            Thread t = new Thread(() -> {
                try (Backend be = Devices.open(bench.options.device, threadsPerRun, bench.options.precision(), bench.options.cudaGraphs)) {
                    lines[run] = bench.timedRun(be, threadsPerRun, () -> await(ready));
                } catch (Throwable e) {
                    failures[run] = e;
                    abandon(ready);                // the others stop waiting for a run that will never be ready
                }
            }, "spikelab-bench-run-" + (k + 1));
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UserError("bench --runs was interrupted before every run finished");
            }
        }
        for (int k = 0; k < runs; k++) {
            Throwable e = failures[k];
            if (e == null || e instanceof BarrierBroken) continue;
            if (e instanceof UserError u) throw u;
            throw new UserError(String.format(java.util.Locale.ROOT, "bench --runs: run %d of %d failed (%s); "
                    + "with fewer --runs each gets more memory", k + 1, runs, e));
        }
        List<JsonObject> results = new ArrayList<>();
        for (String line : lines) {
            if (line == null) {
                throw new UserError("bench --runs: the runs were not all ready within " + READY_TIMEOUT_MINUTES
                        + " minutes of each other: use fewer --runs or a smaller model");
            }
            results.add(JsonParser.parseString(line).getAsJsonObject());
        }
        return BenchRuns.aggregate(results);
    }

    /** A run that stopped because another failed: not itself the cause to report. */
    private static final class BarrierBroken extends RuntimeException {
        BarrierBroken() { super("another run failed before timing", null, false, false); }
    }

    /**
     * Breaks the barrier for good, so that every run waiting at it now or arriving later fails
     * at once. (reset() would release only the runs waiting now; one still warming up would
     * then wait out the whole timeout.) An interrupted await is what breaks a barrier.
     */
    static void abandon(CyclicBarrier ready) {
        Thread.currentThread().interrupt();
        try {
            ready.await();
        } catch (InterruptedException | BrokenBarrierException expected) {
            // either way the barrier is now broken; await cleared the interrupt it was given
        }
        Thread.interrupted();
    }

    private static void await(CyclicBarrier ready) {
        try {
            ready.await(READY_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new BarrierBroken();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BarrierBroken();
        }
    }
}
