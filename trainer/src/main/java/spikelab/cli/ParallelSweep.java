package spikelab.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import spikelab.run.UserError;

/**
 * {@code sweep --parallel N}: the sweep's cells split over N child processes of this same JVM
 * command, each running {@code sweep --shard} over its part. Processes rather than threads
 * because every cell is then exactly the computation a sequential sweep runs (one train call,
 * with its own checkpoint, lock, interrupt handling and memory), and a CPU run's numbers do not
 * depend on its thread count, so the per-cell results are bit-identical to a sequential sweep.
 * When the cells are too small to use every core, N runs side by side use them instead.
 */
final class ParallelSweep {
    private static final Logger log = LoggerFactory.getLogger(ParallelSweep.class);

    private ParallelSweep() {}

    /** N from --parallel: a positive count, or "auto" for one process per core. */
    static int parse(String value, int cores) {
        if (value.equalsIgnoreCase("auto")) return Math.max(1, cores);
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError("--parallel '" + value + "' must be a positive number of cells at once or auto, e.g. --parallel 2");
    }

    /**
     * Processes beyond which runs sharing one GPU gain nothing: they time-slice it, so what K
     * processes add is the idle time between one run's launches. Measured on an H200
     * (docs/performance.md, bench --runs): 1.60x at K = 4 and 1.60x at K = 8 for d_model 256.
     */
    static final int GPU_SATURATION = 4;
    /**
     * Threads of one process sharing a GPU (a stream each, kernels overlapping): a starting cap,
     * not yet measured (no GPU since the threaded mode was written, 2026-12-05); each thread also
     * needs a core to launch its kernels.
     */
    static final int GPU_THREADS_CAP = 8;
    /** What a process takes on the GPU beyond its tensors: its context, kernels and cuBLAS workspace. */
    static final long GPU_CONTEXT_BYTES = 1L << 30;
    /** What a thread's backend takes beyond its tensors in the shared context: its kernel modules and workspaces. */
    static final long GPU_THREAD_BYTES = 256L << 20;

    /**
     * {@code --parallel auto} on a GPU: as many runs as fit in 90% of its free memory with the
     * largest cell's estimated footprint each, at most {@link #GPU_SATURATION} processes or
     * {@link #GPU_THREADS_CAP} threads and one per core, and at least 1 (a cell too large for
     * even one run fails alone, as it would without --parallel). Without a reading of free
     * memory (-1), the cap.
     */
    static int autoGpu(int cores, long freeBytes, long perRunBytes, boolean threads) {
        int n = Math.min(Math.max(1, cores), threads ? GPU_THREADS_CAP : GPU_SATURATION);
        if (freeBytes < 0) return n;
        long overhead = threads ? GPU_THREAD_BYTES : GPU_CONTEXT_BYTES;
        long fit = (long) (0.9 * freeBytes) / Math.max(1, perRunBytes + overhead);
        return (int) Math.max(1, Math.min(n, fit));
    }

    /**
     * The child's shard: of the parent's cells i, i+n, i+2n, … (indices ≡ i mod n) child k of N
     * takes every N-th, i.e. the indices ≡ i + n·k mod n·N.
     */
    static String childShard(int[] parent, int k, int processes) {
        return (parent[0] + parent[1] * k) + "/" + (parent[1] * processes);
    }

    /**
     * The child's sweep arguments: the parent's own, less --parallel, --shard and --no-report
     * (the parent reports once, at the end), plus its shard and, unless given, --threads so that
     * the children share the cores instead of each spinning a pool on all of them.
     */
    static List<String> childArgs(List<String> parentArgs, String shard, int threads) {
        List<String> a = new ArrayList<>(List.of("sweep"));
        // the command line as typed: anything up to the subcommand's name is not the sweep's
        int from = parentArgs.indexOf("sweep") + 1;
        for (int i = from; i < parentArgs.size(); i++) {
            String s = parentArgs.get(i);
            if (s.equals("--parallel") || s.equals("--shard")) { i++; continue; }
            if (s.startsWith("--parallel=") || s.startsWith("--shard=") || s.equals("--no-report")) continue;
            a.add(s);
        }
        a.addAll(List.of("--shard", shard, "--no-report"));
        if (!setsThreads(a)) a.addAll(List.of("--threads", String.valueOf(threads)));
        return a;
    }

    /** Whether a command line sets --threads ("--threads N" or "--threads=N"). */
    static boolean setsThreads(List<String> args) {
        return args.stream().anyMatch(s -> s.equals("--threads") || s.startsWith("--threads="));
    }

    /** This JVM's java, its options and class path, and spikelab's main class: a child process's command so far. */
    static List<String> childJvm() {
        List<String> jvm = new ArrayList<>();
        jvm.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        jvm.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        jvm.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        return jvm;
    }

    /** Runs the children and waits for them; returns 130 if one was interrupted, 1 if one failed, else 0. */
    static int run(List<String> parentArgs, int[] parentShard, int processes, int cores) {
        List<String> jvm = childJvm();
        int threads = Math.max(1, cores / processes);
        log.info("sweep: {} processes of {} thread{} each", processes, threads, threads == 1 ? "" : "s");

        List<Process> children = new ArrayList<>();
        // a parent stopped by a signal stops its children the same way: they finish the step,
        // checkpoint and exit, so rerunning the sweep resumes every cell
        Thread hook = new Thread(() -> {
            for (Process p : children) p.destroy();
            for (Process p : children) {
                try {
                    p.waitFor(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "spikelab-sweep-children");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (int k = 0; k < processes; k++) {
                List<String> cmd = new ArrayList<>(jvm);
                cmd.addAll(childArgs(parentArgs, childShard(parentShard, k, processes), threads));
                children.add(new ProcessBuilder(cmd).inheritIO().start());
            }
            int status = 0;
            for (Process p : children) {
                int rc = p.waitFor();
                if (rc == 130) status = 130;
                else if (rc != 0 && status == 0) status = rc == 2 ? 2 : 1;
            }
            return status;
        } catch (IOException e) {
            for (Process p : children) p.destroy();
            throw new UserError("cannot start a sweep process (" + e.getMessage() + "): run without --parallel");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is stopping the children
            }
        }
    }
}
