package spikelab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

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
                return Devices.isCuda(device) || (device.equals("auto") && Devices.cudaUnavailableReason() == null);
            default:
                throw new UserError(option + " '" + value + "' must be threads, processes or auto");
        }
    }

    /**
     * Runs the cells on {@code n} threads; returns each cell's outcome (null for cells not
     * reached). After an interrupt no new cell starts; a UserError from one cell stops the
     * others from starting new cells and is rethrown.
     */
    static Outcome[] run(List<Cell> cells, int n, CellTask task) {
        Outcome[] outcomes = new Outcome[cells.size()];
        AtomicInteger next = new AtomicInteger();
        UserError[] fatal = new UserError[1];
        Throwable[] crash = new Throwable[1];
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            final int worker = w;
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        synchronized (outcomes) {
                            if (fatal[0] != null || crash[0] != null || interrupted(outcomes)) return;
                        }
                        int i = next.getAndIncrement();
                        if (i >= cells.size()) return;
                        MDC.put("cell", "[" + cells.get(i).name() + "] ");
                        Outcome o = task.run(i, cells.get(i), worker);
                        synchronized (outcomes) {
                            outcomes[i] = o;
                        }
                    }
                } catch (UserError e) {
                    synchronized (outcomes) {
                        if (fatal[0] == null) fatal[0] = e;
                    }
                } catch (Throwable e) {
                    synchronized (outcomes) {
                        if (crash[0] == null) crash[0] = e;
                    }
                } finally {
                    MDC.remove("cell");
                }
            }, "spikelab-sweep-" + (w + 1));
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
        if (fatal[0] != null) throw fatal[0];
        if (crash[0] != null) throw new IllegalStateException("sweep worker crashed", crash[0]);
        return outcomes;
    }

    private static boolean interrupted(Outcome[] outcomes) {
        for (Outcome o : outcomes) if (o == Outcome.INTERRUPTED) return true;
        return false;
    }
}
