package spikelab.cli;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import spikelab.cli.SweepCommand.Outcome;
import spikelab.cli.SweepGrid.Cell;
import spikelab.run.UserError;
import spikelab.train.Devices;

/**
 * {@code sweep --parallel N} in N threads of this process, each taking the next untrained cell
 * in grid order. On a GPU every cell's backend has its own stream in the process's one context,
 * so small cells' kernels overlap on the device (separate processes only time-slice it). Each
 * cell is the same train call a sequential sweep makes, with its own backend, run directory,
 * lock and interrupt handling, so its results do not depend on what runs beside it. Log lines
 * carry the cell's name.
 */
final class ThreadedSweep {
    private static final Logger log = LoggerFactory.getLogger(ThreadedSweep.class);

    /** One cell's work: the sweep's own {@code runCell}; {@code worker} picks its GPU under --devices. */
    interface CellTask {
        Outcome run(int index, Cell cell, int worker);
    }

    private ThreadedSweep() {}

    /** threads or processes for {@code option}'s value, auto being threads on a GPU and processes on the CPU. */
    static boolean useThreads(String option, String value, String device) {
        switch (value) {
            case "threads": return true;
            case "processes": return false;
            case "auto":
                return Devices.runsOnGpu(device);
            default:
                throw new UserError(option + " '" + value + "' must be threads, processes or auto");
        }
    }

    /**
     * Runs the cells on {@code n} threads; returns each cell's outcome (null for cells not
     * reached). After an interrupt no new cell starts; a UserError from one cell stops the
     * others from starting new cells and is rethrown. A cell that runs out of memory while
     * other cells are training ({@link UserError#isOutOfMemory}) is queued again and its
     * thread retires, so the sweep goes on with one cell fewer at a time; a cell that runs out
     * of memory with no other cell training cannot fit at all, and that error is rethrown.
     */
    static Outcome[] run(List<Cell> cells, int n, CellTask task) {
        return new Pool(cells, task).run(n);
    }

    /** The shared state of one run: the next cell, the queue of cells to retry, who is training. */
    private static final class Pool {
        private final List<Cell> cells;
        private final CellTask task;
        private final Outcome[] outcomes;
        private final Deque<Integer> retry = new ArrayDeque<>();
        private int next, training, threads;
        private UserError fatal;
        private Throwable crash;

        Pool(List<Cell> cells, CellTask task) {
            this.cells = cells;
            this.task = task;
            this.outcomes = new Outcome[cells.size()];
        }

        Outcome[] run(int n) {
            threads = n;
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < n; w++) {
                final int worker = w;
                Thread t = new Thread(() -> work(worker), "spikelab-sweep-" + (w + 1));
                workers.add(t);
                t.start();
            }
            for (Thread t : workers) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (fatal != null) throw fatal;
            if (crash != null) throw new IllegalStateException("sweep worker crashed", crash);
            return outcomes;
        }

        /** The index of the cell to train next (a queued retry first), or -1 when this worker is done. */
        private synchronized int take() {
            if (fatal != null || crash != null || interrupted(outcomes)) return -1;
            Integer i = retry.poll();
            if (i == null && next < cells.size()) i = next++;
            if (i == null) return -1;
            training++;
            return i;
        }

        private void work(int worker) {
            try {
                for (int i = take(); i >= 0; i = take()) {
                    MDC.put("cell", "[" + cells.get(i).name() + "] ");
                    try {
                        Outcome o = task.run(i, cells.get(i), worker);
                        synchronized (this) {
                            outcomes[i] = o;
                            training--;
                        }
                    } catch (UserError e) {
                        if (!requeued(i, e)) throw e;
                        return;   // this worker retires: one cell fewer at a time
                    }
                }
            } catch (UserError e) {
                synchronized (this) {
                    if (fatal == null) fatal = e;
                }
            } catch (Throwable e) {
                synchronized (this) {
                    if (crash == null) crash = e;
                }
            } finally {
                MDC.remove("cell");
            }
        }

        /**
         * After cell i failed with e: true when it ran out of memory beside other training cells
         * and is queued for one of them to take when it finishes.
         */
        private synchronized boolean requeued(int i, UserError e) {
            training--;
            if (!e.isOutOfMemory() || training == 0) return false;
            retry.add(i);
            threads--;
            log.warn("{} ran out of memory beside {} other training cell(s): queued again; {} cell(s) at a time from now ({})",
                    cells.get(i).name(), training, threads, e.getMessage());
            return true;
        }
    }

    private static boolean interrupted(Outcome[] outcomes) {
        for (Outcome o : outcomes) if (o == Outcome.INTERRUPTED) return true;
        return false;
    }
}
