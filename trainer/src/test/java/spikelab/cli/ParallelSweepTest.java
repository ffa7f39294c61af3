package spikelab.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sweep --parallel: processes or threads split the grid, and every cell's numbers equal a sequential sweep's. */
class ParallelSweepTest {
    @TempDir
    Path tmp;

    private static final String[] GRID = {"--data", "synthetic", "--device", "cpu", "--activations", "relu,swiglu",
        "--depths", "1", "--seeds", "1,2", "--d-model", "16", "--heads", "2", "--context", "16", "--batch", "2",
        "--steps", "12", "--warmup", "2", "--eval-every", "6", "--eval-batches", "1", "--probe-every", "6", "--no-progress"};

    private static String[] sweep(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("sweep"));
        a.addAll(List.of(GRID));
        a.addAll(List.of("--out", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"auto", "threads"})   // auto: processes on the CPU
    void twoAtOnceGiveEveryCellTheLossesOfASequentialSweep(String parallelIn) throws IOException {
        Path seq = tmp.resolve("seq"), par = tmp.resolve("par");
        StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), sweep(seq, "--threads", "2")), err.toString());
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
                sweep(par, "--parallel", "2", "--parallel-in", parallelIn)), err.toString());
        List<String> cells;
        try (Stream<Path> s = Files.list(seq.resolve("runs"))) {
            cells = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(4, cells.size());
        for (String c : cells) {
            List<Double> a = losses(seq.resolve("runs").resolve(c)), b = losses(par.resolve("runs").resolve(c));
            assertEquals(12, a.size(), c);
            assertEquals(a, b, c + ": per-step losses, sequential vs --parallel 2 --parallel-in " + parallelIn);
            // each cell ran on cores / 2 threads, not on all of them
            assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
                    JsonParser.parseString(Files.readString(par.resolve("runs").resolve(c).resolve("config.json")))
                            .getAsJsonObject().get("threads").getAsInt(), c);
        }
        assertTrue(Files.exists(par.resolve("report.md")), "the parent writes one report over all cells");
    }

    @Test
    void autoOnAGpuFitsTheFreeMemoryAndStopsWhereTimeSlicingStopsPaying() {
        long gib = 1L << 30;
        // small cells on a big GPU: the measured saturation, not one per core
        assertEquals(ParallelSweep.GPU_SATURATION, ParallelSweep.autoGpu(16, 140 * gib, gib / 4, false));
        // large cells: as many as fit in 90% of the free memory with a context each (0.9 * 40 / (9 + 1) = 3)
        assertEquals(3, ParallelSweep.autoGpu(16, 40 * gib, 9 * gib, false));
        // a cell larger than the GPU still gets one process, which then fails alone with its own message
        assertEquals(1, ParallelSweep.autoGpu(16, 8 * gib, 20 * gib, false));
        // fewer cores than the saturation count
        assertEquals(2, ParallelSweep.autoGpu(2, 140 * gib, gib, false));
        // no reading of free memory: the saturation count
        assertEquals(ParallelSweep.GPU_SATURATION, ParallelSweep.autoGpu(16, -1, gib, false));
        // threads share one context: a smaller overhead each, and a higher cap
        assertEquals(ParallelSweep.GPU_THREADS_CAP, ParallelSweep.autoGpu(16, 140 * gib, gib / 4, true));
        assertEquals(4, ParallelSweep.autoGpu(16, 40 * gib, 8 * gib, true));     // 36 GiB / 8.25 GiB
        assertEquals(2, ParallelSweep.autoGpu(2, 140 * gib, gib, true));
    }

    @Test
    void childShardsPartitionTheParentsShare() {
        // parent shard 1/3 owns indices 1, 4, 7, 10, ...; its two children take 1, 7, ... and 4, 10, ...
        assertEquals("1/6", ParallelSweep.childShard(new int[] {1, 3}, 0, 2));
        assertEquals("4/6", ParallelSweep.childShard(new int[] {1, 3}, 1, 2));
        assertEquals(List.of("sweep", "--seeds", "1", "--shard", "0/2", "--no-report", "--threads", "4"),
                ParallelSweep.childArgs(List.of("sweep", "--parallel", "2", "--seeds", "1", "--no-report", "--shard", "0/1"), "0/2", 4));
        assertEquals(List.of("sweep", "--threads=3", "--shard", "1/2", "--no-report"),
                ParallelSweep.childArgs(List.of("sweep", "--parallel=auto", "--threads=3"), "1/2", 4), "a given --threads stays");
    }

    @Test
    void badParallelValueIsOneLine() {
        StringWriter err = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), sweep(tmp.resolve("x"), "--parallel", "0")));
        assertEquals("error: --parallel '0' must be a positive number of cells at once or auto, e.g. --parallel 2",
                err.toString().trim());
        assertFalse(Files.exists(tmp.resolve("x")), "nothing written");
        StringWriter err2 = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err2),
                sweep(tmp.resolve("y"), "--parallel", "2", "--parallel-in", "fibres")));
        assertEquals("error: --parallel-in 'fibres' must be threads, processes or auto", err2.toString().trim());
        assertFalse(Files.exists(tmp.resolve("y")), "nothing written");
    }

    private static List<Double> losses(Path run) throws IOException {
        List<Double> l = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            l.add(JsonParser.parseString(line).getAsJsonObject().get("loss").getAsDouble());
        }
        return l;
    }
}
