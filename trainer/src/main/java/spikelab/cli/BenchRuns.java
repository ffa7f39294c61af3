package spikelab.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import spikelab.run.UserError;

/**
 * {@code bench --runs K}: K copies of one bench in K child processes on the same device, timed
 * over the same window, so that the throughput of many small runs side by side (what a sweep
 * with {@code --parallel} gets) is measured rather than guessed.
 *
 * <p>Each child builds its model and does its warm-up steps, then prints {@link #READY} and
 * waits; when all K are ready the parent releases them together ({@link #GO} on their stdin).
 * Each then times its steps and prints its JSON line with the wall-clock window it timed. The
 * aggregate is every child's timed tokens over the union of the windows (first start to last
 * end), which is never more than the sum of the children's own rates.
 */
final class BenchRuns {
    static final String READY = "spikelab-bench-ready";
    static final String GO = "go";

    private BenchRuns() {}

    /** What K concurrent runs measured: each child's JSON, and the aggregate over the union window. */
    record Result(List<JsonObject> children, double aggregateTokensPerSecond, double windowSeconds) {}

    /**
     * The child's arguments: the parent's bench arguments less --runs and --json, plus the child
     * flag, --json, and, unless given, --threads so that K children share the cores.
     */
    static List<String> childArgs(List<String> parentArgs, int threads) {
        List<String> a = new ArrayList<>(List.of("bench"));
        int from = parentArgs.indexOf("bench") + 1;
        for (int i = from; i < parentArgs.size(); i++) {
            String s = parentArgs.get(i);
            if (s.equals("--runs")) { i++; continue; }
            if (s.startsWith("--runs=") || s.equals("--json")) continue;
            a.add(s);
        }
        a.addAll(List.of("--json", "--runs-child"));
        if (!ParallelSweep.setsThreads(a)) a.addAll(List.of("--threads", String.valueOf(threads)));
        return a;
    }

    static Result run(List<String> parentArgs, int runs, int cores) {
        List<String> jvm = ParallelSweep.childJvm();
        List<String> args = childArgs(parentArgs, Math.max(1, cores / runs));
        List<Process> children = new ArrayList<>();
        Thread hook = new Thread(() -> children.forEach(Process::destroyForcibly), "spikelab-bench-children");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            List<BufferedReader> outs = new ArrayList<>();
            for (int k = 0; k < runs; k++) {
                List<String> cmd = new ArrayList<>(jvm);
                cmd.addAll(args);
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                children.add(p);
                outs.add(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
            }
            // barrier: every child has its model built and warmed up before any starts timing
            for (int k = 0; k < runs; k++) {
                String line;
                while ((line = outs.get(k).readLine()) != null && !line.equals(READY)) {
                    // a child that fails (bad options, no GPU, out of memory) says why on stderr
                }
                if (line == null) throw new UserError(failure(children, k));
            }
            for (Process p : children) {
                OutputStream in = p.getOutputStream();
                in.write((GO + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
            }
            List<JsonObject> results = new ArrayList<>();
            for (int k = 0; k < runs; k++) {
                String last = null, line;
                while ((line = outs.get(k).readLine()) != null) if (line.startsWith("{")) last = line;
                if (children.get(k).waitFor() != 0 || last == null) throw new UserError(failure(children, k));
                results.add(JsonParser.parseString(last).getAsJsonObject());
            }
            return aggregate(results);
        } catch (IOException e) {
            throw new UserError("cannot run the bench processes (" + e.getMessage() + "): run without --runs");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("bench --runs was interrupted before every run finished");
        } finally {
            children.forEach(Process::destroyForcibly);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is stopping the children
            }
        }
    }

    private static String failure(List<Process> children, int k) {
        children.forEach(Process::destroyForcibly);
        return String.format(Locale.ROOT, "bench --runs: run %d of %d stopped before it reported (its error is above); "
                + "with fewer --runs each gets more memory and cores", k + 1, children.size());
    }

    /** Every child's timed tokens over the union of their timed windows (epoch nanoseconds). */
    static Result aggregate(List<JsonObject> children) {
        long start = Long.MAX_VALUE, end = Long.MIN_VALUE;
        double tokens = 0;
        for (JsonObject o : children) {
            start = Math.min(start, o.get("window_start_ns").getAsLong());
            end = Math.max(end, o.get("window_end_ns").getAsLong());
            tokens += o.get("timed_tokens").getAsDouble();
        }
        double seconds = (end - start) / 1e9;
        return new Result(children, tokens / seconds, seconds);
    }
}
