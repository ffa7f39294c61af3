package spikelab.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The spinning worker pool: coverage, chunk boundaries, errors, nesting, concurrent callers, idle workers. */
class ParallelTest {

    @Test
    void everyIndexRunsOnceInContiguousChunks() {
        try (Parallel par = new Parallel(3)) {
            for (int n : new int[] {1, 2, 3, 7, 100, 10_001}) {
                int[] hits = new int[n];
                int[] chunkOf = new int[n];
                AtomicInteger chunks = new AtomicInteger();
                par.forRange(n, (from, to) -> {
                    int id = chunks.incrementAndGet();
                    for (int i = from; i < to; i++) {
                        hits[i]++;
                        chunkOf[i] = id;
                    }
                });
                for (int i = 0; i < n; i++) assertEquals(1, hits[i], "index " + i + " of " + n);
                assertEquals(Math.min(3, n), chunks.get(), "chunks for n=" + n);
                int changes = 0;
                for (int i = 1; i < n; i++) if (chunkOf[i] != chunkOf[i - 1]) changes++;
                assertEquals(chunks.get() - 1, changes, "chunks of n=" + n + " are not contiguous");
            }
        }
    }

    @Test
    void grainKeepsSmallLoopsOnTheCaller() {
        try (Parallel par = new Parallel(2)) {
            Thread caller = Thread.currentThread();
            boolean[] elsewhere = {false};
            par.forRange(100, 64, (from, to) -> { if (Thread.currentThread() != caller) elsewhere[0] = true; });
            assertTrue(!elsewhere[0], "a loop below two grains ran on a worker");
        }
    }

    @Test
    void aFailingChunkRethrowsOnTheCallerAndThePoolStaysUsable() {
        try (Parallel par = new Parallel(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> par.forRange(10, (from, to) -> {
                if (from > 0) throw new IllegalStateException("chunk " + from);
            }));
            assertEquals("chunk 5", e.getMessage());
            int[] hits = new int[10];
            par.forRange(10, (from, to) -> { for (int i = from; i < to; i++) hits[i]++; });
            assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, hits);
        }
    }

    @Test
    void nestedLoopsAndConcurrentCallersStillCoverEverything() throws Exception {
        try (Parallel par = new Parallel(2)) {
            int[] hits = new int[64 * 32];
            par.forRange(64, (from, to) -> {
                for (int r = from; r < to; r++) {
                    int row = r;
                    par.forRange(32, (f, t) -> { for (int j = f; j < t; j++) hits[row * 32 + j]++; });
                }
            });
            for (int h : hits) assertEquals(1, h);

            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                long[][] sums = new long[4][];
                Future<?>[] fs = new Future<?>[4];
                for (int c = 0; c < 4; c++) {
                    int id = c;
                    fs[c] = callers.submit(() -> {
                        long[] s = new long[1000];
                        for (int rep = 0; rep < 200; rep++) {
                            par.forRange(1000, (from, to) -> { for (int i = from; i < to; i++) s[i] += i; });
                        }
                        sums[id] = s;
                    });
                }
                for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
                for (long[] s : sums) for (int i = 0; i < 1000; i++) assertEquals(200L * i, s[i]);
            } finally {
                callers.shutdownNow();
            }
        }
    }

    @Test
    void workersThatParkedWakeForTheNextLoop() throws InterruptedException {
        try (Parallel par = new Parallel(2)) {
            int[] hits = new int[2];
            par.forRange(2, (from, to) -> hits[from]++);
            Thread.sleep(50); // well past the spin time: the worker parks
            par.forRange(2, (from, to) -> hits[from]++);
            assertArrayEquals(new int[] {2, 2}, hits);
        }
    }
}
