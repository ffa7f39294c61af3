package spikelab.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** bench --runs K: K processes released together, and an aggregate that is honest about the window. */
class BenchRunsTest {
    private static final String[] TINY = {"--device", "cpu", "--layers", "1", "--d-model", "16", "--heads", "2",
        "--context", "16", "--batch", "2", "--bench-steps", "3", "--bench-warmup", "1", "--bench-warmup-seconds", "0", "--peak-size", "64"};

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"processes", "threads"})
    void twoConcurrentRunsReportTheirAggregateOverTheUnionOfTheirWindows(String runsIn) {
        List<String> extra = new java.util.ArrayList<>(List.of("--runs", "2", "--json", "--runs-in", runsIn));
        if (runsIn.equals("threads")) {
            // warm steps of this model take ~0.1 ms: 3 of them are shorter than the jitter of two
            // threads' release on a 2-core machine, so time enough steps for the windows to overlap
            extra.addAll(List.of("--bench-steps", "300"));
        }
        Printed p = bench(extra.toArray(new String[0]));
        String out = p.out();
        assertEquals(0, p.rc(), p.err() + out);
        List<String> lines = out.lines().toList();
        JsonObject o = JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
        assertEquals(2, o.get("runs").getAsInt());
        assertEquals(runsIn, o.get("runs_in").getAsString());
        assertEquals(2, out.lines().filter(l -> l.startsWith("run ")).count(), out);
        double agg = o.get("aggregate_tokens_per_s").getAsDouble(), sum = o.get("sum_of_runs_tokens_per_s").getAsDouble();
        assertTrue(agg > 0, out);
        // the union window is at least as long as each run's own: the aggregate never exceeds the sum (±rounding)
        assertTrue(agg <= sum + 2, "aggregate " + agg + " > sum " + sum);
        // with both released together the windows overlap: far more than one run's worth
        assertTrue(agg > sum / 2 * 0.5, "aggregate " + agg + " vs sum " + sum + ": windows barely overlapped");
    }

    @Test
    void profilePrintsEveryOpOfTheTimedSteps() {
        Printed p = bench("--profile");
        String out = p.out();
        assertEquals(0, p.rc(), p.err() + out);
        assertTrue(out.contains("profile of the 3 timed steps"), out);
        // one layer: attention forward and backward once per step, LayerNorm forward 3 times (two in the block, one final)
        assertTrue(out.lines().anyMatch(l -> l.matches("attentionForward\\s+1\\.0\\s.*")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("layerNormForward\\s+3\\.0\\s.*")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("gemm NT 32x48x16\\s+1\\.0\\s.*")), out);   // qkv forward: B·T x 3C x C
        assertTrue(out.lines().anyMatch(l -> l.startsWith("total")), out);
        StringWriter err2 = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err2), "bench", "--runs", "2", "--profile"));
        assertEquals("error: --runs and --profile cannot be combined: profile one run", err2.toString().strip());
        StringWriter err3 = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err3), "bench", "--runs-in", "fibres"));
        assertEquals("error: --runs-in 'fibres' must be threads, processes or auto", err3.toString().strip());
    }

    @Test
    void warmUpLastsAtLeastTheSecondsAsked() {
        long t0 = System.nanoTime();
        Printed p = bench("--bench-warmup-seconds", "0.5");   // the later value wins over TINY's 0
        assertTrue(System.nanoTime() - t0 >= 500_000_000L, "returned before the warm-up's half second");
        String out = p.out();
        assertEquals(0, p.rc(), p.err() + out);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("timed steps after (\\d+) warm-up").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Integer.parseInt(m.group(1)) > 1, "a tiny model's steps take milliseconds: more than the 1 minimum step in 0.5 s\n" + out);
        StringWriter err2 = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err2), "bench", "--bench-warmup-seconds", "-1"));
        assertEquals("error: --bench-warmup-seconds must be between 0 and 3600, got -1.0", err2.toString().strip());
    }

    /** What {@code spikelab ARGS} printed: its exit code, standard output (where bench writes) and errors. */
    private record Printed(int rc, String out, String err) {}

    private static Printed spikelab(String... args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        } finally {
            System.setOut(stdout);
        }
        return new Printed(rc, buf.toString(StandardCharsets.UTF_8), err.toString());
    }

    /** bench on the TINY model with these options added. */
    private static Printed bench(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("bench"));
        args.addAll(List.of(TINY));
        args.addAll(List.of(extra));
        return spikelab(args.toArray(new String[0]));
    }

    @Test
    void tokenizerSetsTheBenchedVocabularyUnlessVocabSaysOtherwise() {
        Printed p = bench("--tokenizer", "byte", "--json");
        assertEquals(0, p.rc(), p.err() + p.out());
        List<String> lines = p.out().lines().toList();
        assertEquals(256, JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject().get("vocab").getAsInt(), p.out());

        Printed bad = spikelab("bench", "--tokenizer", "byte", "--vocab", "65");
        assertEquals(2, bad.rc());
        assertEquals("error: --vocab 65 disagrees with the vocabulary of --tokenizer/--data (256): give one of them",
                bad.err().strip());
    }

    @Test
    void warmUpWaitsForTheStepTimeToStopImproving() {
        List<Long> compiling = List.of(900L, 700L, 500L, 400L, 300L, 200L, 150L, 120L, 100L, 90L);
        assertFalse(BenchCommand.converged(compiling), "still 2x faster window on window");
        List<Long> steady = List.of(100L, 102L, 99L, 101L, 100L, 100L, 98L, 101L, 100L, 99L);
        assertTrue(BenchCommand.converged(steady));
        assertFalse(BenchCommand.converged(List.of(100L, 100L, 100L)), "fewer than two windows");
    }

    @Test
    void aggregateCountsEveryRunsTokensOverFirstStartToLastEnd() {
        JsonObject a = child(1_000, 0L, 1_000_000_000L), b = child(3_000, 500_000_000L, 2_000_000_000L);
        BenchRuns.Result r = BenchRuns.aggregate(List.of(a, b));
        assertEquals(2.0, r.windowSeconds(), 1e-12);
        assertEquals(2_000.0, r.aggregateTokensPerSecond(), 1e-9);
    }

    @Test
    void childrenGetTheParentsOptionsLessRunsAndJsonAndShareTheCores() {
        List<String> c = BenchRuns.childArgs(List.of("bench", "--d-model", "32", "--runs", "4", "--json"), 4);
        assertEquals(List.of("bench", "--d-model", "32", "--json", "--runs-child", "--threads", "4"), c);
        assertEquals(List.of("bench", "--threads", "2", "--json", "--runs-child"),
                BenchRuns.childArgs(List.of("bench", "--threads", "2", "--runs=3"), 1));
    }

    @Test
    void zeroRunsIsOneClearError() {
        StringWriter err = new StringWriter();
        int rc = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "bench", "--runs", "0");
        assertEquals(2, rc);
        assertEquals("error: --runs must be 1 or more (concurrent bench processes), got 0", err.toString().strip());
    }

    /**
     * A threads-mode run that fails before timing must release the others at once, also those
     * that reach the barrier after it failed (a reset barrier would hold a late run for the
     * whole ready timeout, 30 minutes).
     */
    @Test
    void aRunThatFailsEarlyReleasesRunsThatArriveLater() throws Exception {
        java.util.concurrent.CyclicBarrier ready = new java.util.concurrent.CyclicBarrier(3);
        Thread failing = new Thread(() -> BenchThreads.abandon(ready));
        failing.start();
        failing.join();
        assertFalse(failing.isInterrupted(), "abandon leaves no interrupt behind");
        long t0 = System.nanoTime();
        assertThrows(java.util.concurrent.BrokenBarrierException.class,
                () -> ready.await(20, java.util.concurrent.TimeUnit.SECONDS), "a late run fails at once, not by timeout");
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
        assertFalse(Thread.currentThread().isInterrupted());
        BenchThreads.abandon(ready);   // abandoning a broken barrier is harmless
        assertFalse(Thread.currentThread().isInterrupted(), "and clears the interrupt it set");
    }

    private static JsonObject child(long tokens, long start, long end) {
        JsonObject o = new JsonObject();
        o.addProperty("timed_tokens", tokens);
        o.addProperty("window_start_ns", start);
        o.addProperty("window_end_ns", end);
        return o;
    }
}
