package spikelab.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code spikelab} in a child JVM, for tests that kill or race a real process. */
final class ChildRun {
    private ChildRun() {}

    static Process start(Path log, String... args) throws java.io.IOException {
        return start(log, true, args);
    }

    /** As above; without {@code vector} the child JVM lacks jdk.incubator.vector, as under a bare {@code java -jar}. */
    static Process start(Path log, boolean vector, String... args) throws java.io.IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        if (vector) cmd.add("--add-modules=jdk.incubator.vector");
        cmd.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"), "spikelab.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits until {@code file} has at least {@code lines} lines, the child still running. */
    static void awaitLines(Process p, Path file, int lines, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(file) && count(file) >= lines)) {
            if (!p.isAlive()) throw new AssertionError("child exited early: " + Files.readString(log));
            if (System.nanoTime() > deadline) throw new AssertionError("child made no progress in 60 s: " + Files.readString(log));
            Thread.sleep(5);
        }
    }

    static long count(Path file) throws java.io.IOException {
        try (var s = Files.lines(file)) {
            return s.count();
        }
    }

    static boolean posix() {
        return java.io.File.separatorChar == '/';
    }
}
