package spikelab.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;
import spikelab.backend.Precision;
import spikelab.cli.SweepCommand.Outcome;
import spikelab.run.UserError;

/** The threads of a threaded sweep: a cell that runs out of memory beside others is queued, not fatal. */
class ThreadedSweepTest {
    private static List<SweepGrid.Cell> cells(int n) {
        List<SweepGrid.Cell> c = new ArrayList<>();
        for (int i = 0; i < n; i++) c.add(new SweepGrid.Cell("relu", 2, i, 1e-3, false, 0, Precision.FP32));
        return c;
    }

    @Test
    void aCellOutOfMemoryBesideOthersIsRetriedWithOneCellFewerAtATime() {
        int n = 6;
        AtomicInteger running = new AtomicInteger(), maxAfter = new AtomicInteger(), ooms = new AtomicInteger();
        AtomicIntegerArray calls = new AtomicIntegerArray(n);
        CountDownLatch oom = new CountDownLatch(1);
        Outcome[] out = ThreadedSweep.run(cells(n), 3, (i, cell, worker) -> {
            calls.incrementAndGet(i);
            int r = running.incrementAndGet();
            try {
                if (oom.getCount() > 0) {
                    if (r == 3) {   // the third cell at once does not fit
                        ooms.incrementAndGet();
                        oom.countDown();
                        throw UserError.outOfMemory("out of GPU memory (test)", null);
                    }
                    // the first two hold their memory until the third has failed
                    assertTrue(oom.await(20, TimeUnit.SECONDS), "three cells never ran at once");
                } else {
                    maxAfter.accumulateAndGet(r, Math::max);
                }
                Thread.sleep(20);
                return Outcome.TRAINED;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                running.decrementAndGet();
            }
        });
        for (int i = 0; i < n; i++) assertEquals(Outcome.TRAINED, out[i], "cell " + i);
        assertEquals(1, ooms.get());
        int twice = 0;
        for (int i = 0; i < n; i++) twice += calls.get(i) == 2 ? 1 : 0;
        assertEquals(1, twice, "the cell that did not fit ran again, once");
        assertTrue(maxAfter.get() <= 2, "after it, at most two cells at once: " + maxAfter.get());
    }

    @Test
    void aCellOutOfMemoryAloneIsOneClearError() {
        UserError e = assertThrows(UserError.class, () -> ThreadedSweep.run(cells(3), 1, (i, cell, worker) -> {
            throw UserError.outOfMemory("model too large for the GPU (test)", null);
        }));
        assertTrue(e.isOutOfMemory());
        assertEquals("model too large for the GPU (test)", e.getMessage());
    }

    @Test
    void anyOtherUserErrorStopsTheSweepEvenWithCellsBesideIt() {
        AtomicInteger started = new AtomicInteger();
        assertThrows(UserError.class, () -> ThreadedSweep.run(cells(8), 2, (i, cell, worker) -> {
            started.incrementAndGet();
            if (i == 0) throw new UserError("bad option (test)");
            try {
                Thread.sleep(50);   // longer than recording the error takes
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return Outcome.TRAINED;
        }));
        assertTrue(started.get() < 8, "no new cell starts after the error: " + started.get());
    }
}
