package spikelab.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import spikelab.report.SyntheticRuns;

class SweepCommandTest {
    @TempDir
    Path tmp;

    /** Cells trained by the fake runner, with the arguments train got. */
    private final List<List<String>> ran = new ArrayList<>();

    /** Stands in for train: writes a finished synthetic run where --out points. */
    private int fakeTrain(List<String> args) throws IOException {
        ran.add(args);
        Path out = Path.of(value(args, "--out"));
        assertFalse(Files.exists(out), "an unfinished cell is cleared before it is trained again");
        int steps = args.contains("--steps") ? Integer.parseInt(value(args, "--steps")) : 300;
        SyntheticRuns.write(out, value(args, "--activation"), Integer.parseInt(value(args, "--layers")),
                Long.parseLong(value(args, "--seed")), Double.parseDouble(value(args, "--lr")), steps, steps, 4.2, 2.3, false);
        // config.json records the switches as train does, so the report can tell the arms apart
        SyntheticRuns.set(out, "config.json", "qk_norm", args.contains("--qk-norm"));
        SyntheticRuns.set(out, "config.json", "z_loss", args.contains("--z-loss") ? Double.parseDouble(value(args, "--z-loss")) : 0.0);
        SyntheticRuns.set(out, "config.json", "precision", args.contains("--precision") ? value(args, "--precision") : "fp32");
        return 0;
    }

    private static String value(List<String> args, String name) {
        return args.get(args.indexOf(name) + 1);
    }

    private int sweep(String... args) {
        SweepCommand cmd = new SweepCommand();
        cmd.runner = this::fakeTrain;
        CommandLine cl = new CommandLine(cmd);
        return cl.execute(args);
    }

    private List<String> names() {
        List<String> n = new ArrayList<>();
        for (List<String> a : ran) n.add(Path.of(value(a, "--out")).getFileName().toString());
        return n;
    }

    /**
     * --devices deals the cells trained at once to the listed GPUs: with two cells held in flight
     * together (each waits for the other), the two threads' cells go to cuda:0 and cuda:1. Runs
     * without a GPU: the fake train never opens one.
     */
    @Test
    void devicesDealsTheCellsAtOnceToTheGpus() throws Exception {
        java.util.concurrent.CountDownLatch together = new java.util.concurrent.CountDownLatch(2);
        List<String> used = java.util.Collections.synchronizedList(new ArrayList<>());
        SweepCommand cmd = new SweepCommand();
        cmd.runner = a -> {
            used.add(value(a, "--device"));
            together.countDown();
            assertTrue(together.await(30, java.util.concurrent.TimeUnit.SECONDS), "the two cells never ran at once");
            synchronized (this) {
                return fakeTrain(a);
            }
        };
        int rc = new CommandLine(cmd).execute("--activations", "gelu,swiglu", "--depths", "1", "--device", "cuda",
                "--devices", "0,1", "--parallel", "2", "--out", tmp.resolve("d").toString(), "--no-report");
        assertEquals(0, rc);
        assertEquals(java.util.Set.of("cuda:0", "cuda:1"), new java.util.HashSet<>(used));
        assertEquals(2, used.size());
        StringWriter err = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "sweep", "--device", "cuda",
                "--devices", "0,0", "--parallel", "2", "--out", tmp.resolve("e").toString()));
        assertEquals("error: --devices lists GPU 0 twice", err.toString().strip());
    }

    /** reproduce-activation-study.sh appends the user's options after a preset's: the later one wins. */
    @Test
    void aLaterTrainOptionOverridesAnEarlierOne() {
        assertEquals(0, sweep("--activations", "gelu", "--depths", "1", "--out", tmp.resolve("o").toString(),
                "--steps", "100", "--steps", "20", "--dry-run"));
    }

    /** --dry-run tells each cell's state (finished, running, resumable, ...) and touches nothing. */
    @Test
    void dryRunSaysWhatTheSweepWouldDoWithEachCell() throws IOException {
        Path out = tmp.resolve("dry");
        List<String> common = List.of("--activations", "gelu,swiglu", "--depths", "2", "--lrs", "1e-3", "--out", out.toString(),
                "--steps", "30", "--d-model", "32");
        List<String> first = new ArrayList<>(common);
        first.addAll(List.of("--seeds", "1", "--no-report"));
        assertEquals(0, sweep(first.toArray(new String[0])));
        Path runs = out.resolve("runs");
        Path noCheckpoint = Files.createDirectories(runs.resolve("gelu-L2-s2-lr1e-3"));
        Files.writeString(noCheckpoint.resolve("config.json"), "{}");
        Files.writeString(noCheckpoint.resolve(spikelab.run.RunLock.FILE), "pid 1 on nowhere since then\n");   // a lock nobody holds
        Path resumable = Files.createDirectories(runs.resolve("swiglu-L2-s2-lr1e-3"));
        Files.writeString(resumable.resolve("config.json"), "{}");
        Files.write(resumable.resolve(spikelab.train.Checkpoint.MODEL_FILE), new byte[8]);
        Files.write(resumable.resolve(spikelab.train.Checkpoint.STATE_FILE), new byte[8]);
        Path busy = Files.createDirectories(runs.resolve("gelu-L2-s3-lr1e-3"));
        ran.clear();

        List<String> all = new ArrayList<>(common);
        all.addAll(List.of("--seeds", "1,2,3", "--dry-run"));
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        try (spikelab.run.RunLock lock = spikelab.run.RunLock.acquire(busy)) {
            System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(0, sweep(all.toArray(new String[0])));
        } finally {
            System.setOut(stdout);
        }
        List<String> lines = buf.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertEquals(7, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("gelu-L2-s1-lr1e-3 [finished]: spikelab train --activation gelu"), lines.get(0));
        assertTrue(lines.get(1).startsWith("swiglu-L2-s1-lr1e-3 [finished]: "), lines.get(1));
        assertTrue(lines.get(2).startsWith("gelu-L2-s2-lr1e-3 [unfinished without a checkpoint: trains again]: "), lines.get(2));
        assertTrue(lines.get(3).startsWith("swiglu-L2-s2-lr1e-3 [resumes from its checkpoint]: "), lines.get(3));
        assertTrue(lines.get(4).startsWith("gelu-L2-s3-lr1e-3 [running now (pid " + ProcessHandle.current().pid() + " on "),
                lines.get(4));
        assertTrue(lines.get(5).startsWith("swiglu-L2-s3-lr1e-3 [to run]: "), lines.get(5));
        assertEquals("6 of 6 cells: 2 finished, 1 unfinished without a checkpoint: trains again, "
                + "1 resumes from its checkpoint, 1 running now, 1 to run", lines.get(6));
        assertEquals(List.of(), ran, "a dry run trains nothing");
        assertFalse(Files.exists(runs.resolve("swiglu-L2-s3-lr1e-3")), "and creates nothing");
        assertEquals("pid 1 on nowhere since then\n", Files.readString(noCheckpoint.resolve(spikelab.run.RunLock.FILE)),
                "nor writes a lock file");
    }

    @Test
    void runsEveryCellOnceThenResumesOnlyWhatIsUnfinished() throws IOException {
        Path out = tmp.resolve("sw");
        String[] args = {"--activations", "gelu,swiglu", "--depths", "2,4", "--seeds", "1", "--lrs", "1e-3,3e-3",
            "--out", out.toString(), "--steps", "30", "--d-model", "32"};
        assertEquals(0, sweep(args));
        assertEquals(List.of("gelu-L2-s1-lr1e-3", "swiglu-L2-s1-lr1e-3", "gelu-L4-s1-lr1e-3", "swiglu-L4-s1-lr1e-3",
                "gelu-L2-s1-lr3e-3", "swiglu-L2-s1-lr3e-3", "gelu-L4-s1-lr3e-3", "swiglu-L4-s1-lr3e-3"), names());
        assertEquals(List.of("--activation", "swiglu", "--layers", "4", "--seed", "1", "--lr", "0.003", "--device", "auto",
                "--out", out.resolve("runs/swiglu-L4-s1-lr3e-3").toString(), "--steps", "30", "--d-model", "32"), ran.get(7));
        assertEquals(9, Files.readAllLines(out.resolve("summary.csv")).size());
        assertTrue(Files.readString(out.resolve("report.md")).contains("| swiglu | 4 | 2 | 1e-3 |"));
        assertTrue(Files.size(out.resolve("plots/loss-vs-lr-L4.png")) > 0);
        assertTrue(Files.readString(out.resolve("sweep.json")).contains("\"train_args\""));

        ran.clear();
        assertEquals(0, sweep(args));
        assertEquals(List.of(), names(), "everything finished: nothing to train");

        // a cell killed part-way (summary says 12 of 30 steps) is the only one trained again
        SyntheticRuns.write(out.resolve("runs/gelu-L4-s1-lr3e-3"), "gelu", 4, 1, 3e-3, 30, 12, 4.2, 2.9, false);
        // and so is one killed before it wrote any summary
        Files.delete(out.resolve("runs/swiglu-L2-s1-lr1e-3/summary.json"));
        assertEquals(0, sweep(args));
        assertEquals(List.of("swiglu-L2-s1-lr1e-3", "gelu-L4-s1-lr3e-3"), names());
    }

    @Test
    void qkNormAndZLossAxesNameOnlyTheirNonDefaultCells() throws IOException {
        Path out = tmp.resolve("axes");
        assertEquals(0, sweep("--activations", "relu", "--depths", "2", "--qk-norms", "off,on", "--z-losses", "0,1e-4",
                "--out", out.toString(), "--steps", "30", "--d-model", "32"));
        assertEquals(List.of("relu-L2-s1-lr1e-3", "relu-L2-s1-lr1e-3-z1e-4", "relu-L2-s1-lr1e-3-qk", "relu-L2-s1-lr1e-3-qk-z1e-4"),
                names());
        assertFalse(ran.get(0).contains("--qk-norm") || ran.get(0).contains("--z-loss"), "defaults pass nothing: " + ran.get(0));
        assertEquals(List.of("--qk-norm", "--z-loss", "1.0E-4"), ran.get(3).subList(12, 15));
        assertTrue(Files.readString(out.resolve("sweep.json")).contains("\"z_losses\""));
        // the report keeps the four arms apart: one row each, none averaged into another
        String md = Files.readString(out.resolve("report.md"));
        for (String arm : List.of("no qk-norm, no z-loss", "no qk-norm, z-loss 1e-4", "qk-norm, no z-loss", "qk-norm, z-loss 1e-4")) {
            assertTrue(md.contains("| relu " + arm + " | 2 | 1 | 1e-3 |"), arm + "\n" + md);
        }
        List<String> csv = Files.readAllLines(out.resolve("summary.csv"));
        assertTrue(csv.get(0).contains(",qk_norm,z_loss,"), csv.get(0));
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("relu-L2-s1-lr1e-3-qk-z1e-4,") && l.contains(",true,1.0E-4,")), csv.toString());

        // rerunning resumes: every cell, the z-loss and qk-norm ones included, is recognised as finished
        ran.clear();
        assertEquals(0, sweep("--activations", "relu", "--depths", "2", "--qk-norms", "off,on", "--z-losses", "0,1e-4",
                "--out", out.toString(), "--steps", "30", "--d-model", "32"));
        assertEquals(List.of(), names());
    }

    @Test
    void precisionAxisNamesItsBf16CellsAndTheReportKeepsThemApart() throws IOException {
        Path out = tmp.resolve("prec");
        assertEquals(0, sweep("--activations", "swiglu", "--depths", "2", "--precisions", "fp32,bf16",
                "--out", out.toString(), "--steps", "30", "--d-model", "32"));
        assertEquals(List.of("swiglu-L2-s1-lr1e-3", "swiglu-L2-s1-lr1e-3-bf16"), names());
        assertFalse(ran.get(0).contains("--precision"), "fp32 passes nothing: " + ran.get(0));
        assertTrue(String.join(" ", ran.get(1)).contains("--precision bf16"), ran.get(1).toString());
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("| swiglu fp32 | 2 | 1 | 1e-3 |") && md.contains("| swiglu bf16 | 2 | 1 | 1e-3 |"), md);
        List<String> csv = Files.readAllLines(out.resolve("summary.csv"));
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("swiglu-L2-s1-lr1e-3-bf16,") && l.contains(",bf16,")), csv.toString());
        ran.clear();
        assertEquals(0, sweep("--activations", "swiglu", "--depths", "2", "--precisions", "fp32,bf16",
                "--out", out.toString(), "--steps", "30", "--d-model", "32"));
        assertEquals(List.of(), names(), "both cells are recognised as finished");
        assertError("error: --precisions: unknown precision 'fp8': choose fp32, tf32, bf16 or bf16-autocast (e.g. --precisions fp32,bf16)",
                "--precisions", "fp32,fp8");
        assertError("error: --precision is set per cell by the sweep: use --precisions X (or fp32,bf16)", "--precision", "bf16");
    }

    @Test
    void shardsSplitTheGridByIndex() {
        Path out = tmp.resolve("sh");
        int total = 0;
        for (int i = 0; i < 3; i++) {
            ran.clear();
            assertEquals(0, sweep("--activations", "relu,gelu", "--depths", "1,2", "--lrs", "1e-3,1e-2", "--out", out.toString(),
                    "--steps", "5", "--shard", i + "/3", "--no-report"));
            if (i == 1) assertEquals(List.of("gelu-L1-s1-lr1e-3", "relu-L1-s1-lr1e-2", "gelu-L2-s1-lr1e-2"), names());
            total += ran.size();
        }
        assertEquals(8, total, "the three shards together ran every cell once");
        assertFalse(Files.exists(out.resolve("report.md")), "--no-report");
    }

    @Test
    void aFinishedCellWithOtherSettingsIsAnErrorNotMixedIn() {
        Path out = tmp.resolve("cfg");
        String[] base = {"--data", "synthetic", "--activations", "relu", "--depths", "2", "--out", out.toString(), "--no-report", "--d-model", "32"};
        assertEquals(0, sweep(concat(base, "--steps", "30")));
        StringWriter err = new StringWriter();
        int rc = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
                concat(concat(new String[] {"sweep"}, base), "--steps", "40", "--device", "cpu"));
        assertEquals(2, rc);
        assertEquals("error: " + out.resolve("runs/relu-L2-s1-lr1e-3") + " was run with steps 30 but this sweep asks for 40: "
                + "use another --out, or delete that directory to rerun the cell", err.toString().trim());
    }

    @Test
    void aGatedCellFromBeforeParameterMatchedWidthsIsNotTakenAsFinished() throws IOException {
        Path out = tmp.resolve("width");
        String[] base = {"sweep", "--data", "synthetic", "--activations", "swiglu", "--depths", "2", "--out", out.toString(),
            "--no-report", "--d-model", "32", "--steps", "30", "--device", "cpu"};
        assertEquals(0, sweep(java.util.Arrays.copyOfRange(base, 1, base.length)));
        Path cell = out.resolve("runs/swiglu-L2-s1-lr1e-3");
        // round(8·32/3) = 85 now; the old rule (⌈8C/3⌉ up to a multiple of 32) gave 96
        SyntheticRuns.set(cell, "config.json", "hidden", 85);
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), base), "same width: finished");
        SyntheticRuns.set(cell, "config.json", "hidden", 96);
        StringWriter err = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), base));
        assertTrue(err.toString().startsWith("error: " + cell + " was run with FFN hidden width 96 but this sweep's cell has 85"), err.toString());
    }

    @Test
    void badInputIsOneLineNamingTheFix() {
        String out = tmp.resolve("bad").toString();
        assertError("error: --seed is set per cell by the sweep: use --seeds", "--seed", "3");
        assertError("error: --lr is set per cell by the sweep: use --lrs", "--lr=3e-3");
        assertError("error: --shard '3/3' must be I/N with 0 <= I < N, e.g. --shard 0/4 ... --shard 3/4", "--shard", "3/3");
        assertError("error: --activations: unknown activation 'swish': use one of relu, gelu, swiglu, geglu, reglu, glu, bilinear",
                "--activations", "gelu,swish");
        assertError("error: --lrs must be positive finite numbers, got -0.001: use e.g. --lrs 1e-3,3e-3", "--lrs", "-1e-3");
        assertError("error: Unknown options: '--stepz', '5' (in the options the sweep passes to train; see 'spikelab train --help')",
                "--stepz", "5");
        assertError("error: --d-model 30 is not divisible by --heads 4: choose heads that divide d-model (e.g. --heads 1)",
                "--d-model", "30");
        assertError("error: --qk-norms takes off and/or on, got 'yes': use e.g. --qk-norms off,on", "--qk-norms", "yes");
        assertError("error: --z-losses must be 0 (off) or positive, got -1.0E-4: use e.g. --z-losses 0,1e-4", "--z-losses", "-1e-4");
        assertError("error: --z-loss is set per cell by the sweep: use --z-losses X (or 0,X)", "--z-loss", "1e-4");
        assertFalse(Files.exists(Path.of(out)), "nothing is written for bad input");
    }

    @Test
    void helpShowsTheSlurmVariableLiterally() {
        StringWriter out = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "sweep", "--help"));
        assertTrue(out.toString().contains("--shard ${SLURM_ARRAY_TASK_ID}/8"), out.toString());
    }

    private void assertError(String expected, String... args) {
        StringWriter err = new StringWriter();
        String[] full = concat(new String[] {"sweep", "--out", tmp.resolve("bad").toString()}, args);
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), full), err.toString());
        assertEquals(expected, err.toString().trim());
    }

    private static String[] concat(String[] a, String... b) {
        String[] c = new String[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** The real thing: two tiny cells trained by spikelab train, then the report. */
    @Test
    void smallRealSweepLeavesAReportWithFiniteNumbers() throws IOException {
        Path out = tmp.resolve("real");
        StringWriter err = new StringWriter();
        int rc = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "sweep", "--data", "synthetic", "--activations", "relu,swiglu",
                "--depths", "1", "--steps", "4", "--device", "cpu", "--out", out.toString(), "--d-model", "16", "--heads", "2",
                "--context", "16", "--batch", "4", "--eval-batches", "2", "--warmup", "1", "--spike-window", "2",
                "--no-progress", "--log-every", "1000");
        assertEquals(0, rc, err.toString());
        List<String> csv = Files.readAllLines(out.resolve("summary.csv"));
        assertEquals(3, csv.size());
        for (String row : csv.subList(1, 3)) {
            assertFalse(row.contains("NaN") || row.contains("Infinity"), row);
            assertTrue(row.contains(",4,4,false,false,,"), "4 of 4 steps, not interrupted or diverged: " + row);
        }
        assertTrue(Files.size(out.resolve("plots/loss-L1.svg")) > 0);
        assertFalse(Files.readString(out.resolve("report.md")).contains("shorter than the spike window"), "W=2 < 4 steps");
    }

    @Test
    void anInterruptedCellResumesFromItsCheckpointAndEndsWithTheUninterruptedLosses() throws IOException {
        String[] grid = {"--activations", "relu", "--depths", "1", "--seeds", "1", "--lrs", "1e-2", "--device", "cpu",
            "--no-report", "--steps", "24", "--d-model", "32", "--heads", "2", "--context", "16", "--batch", "4",
            "--eval-every", "12", "--eval-batches", "1", "--probe-every", "12", "--no-progress", "--threads", "1"};
        Path whole = tmp.resolve("whole"), cut = tmp.resolve("cut");
        assertEquals(0, new CommandLine(new SweepCommand()).execute(concat(grid, "--out", whole.toString())));
        // as a time limit would: the cell stops at step 10 with a checkpoint, and the sweep is rerun
        new CommandLine(new SweepCommand()).execute(concat(grid, "--out", cut.toString(), "--stop-after", "10"));
        Path cell = cut.resolve("runs/relu-L1-s1-lr1e-2");
        assertTrue(Files.exists(cell.resolve("train_state.safetensors")));
        String firstTen = Files.readAllLines(cell.resolve("metrics.jsonl")).get(9);
        assertEquals(0, new CommandLine(new SweepCommand()).execute(concat(grid, "--out", cut.toString())));
        List<String> resumed = Files.readAllLines(cell.resolve("metrics.jsonl"));
        assertEquals(firstTen, resumed.get(9), "resumed, not retrained: step 10's line is the one measured before");
        assertEquals(losses(whole.resolve("runs/relu-L1-s1-lr1e-2")), losses(cell));
    }

    @Test
    void aCellThatDiedAsItStartedLeavingOnlyItsLockIsTrainedAgain() throws IOException {
        // seen on a GPU box: a shard's JVM crashed while loading native libraries, after the run
        // took its lock and before it wrote anything else; rerunning the sweep must not stop there
        Path out = tmp.resolve("crashed");
        Path cell = out.resolve("runs/relu-L1-s1-lr1e-3");
        Files.createDirectories(cell);
        Files.writeString(cell.resolve(".lock"), "pid 1 on elsewhere since 2026-12-04T17:46:01Z\n");
        assertEquals(0, sweep("--activations", "relu", "--depths", "1", "--seeds", "1", "--lrs", "1e-3", "--no-report",
                "--out", out.toString()));
        assertEquals(List.of("relu-L1-s1-lr1e-3"), names());
        assertTrue(Files.exists(cell.resolve("summary.json")));
    }

    @Test
    void aDirectoryThatIsNotARunIsLeftAloneWithOneClearLine() throws IOException {
        Path out = tmp.resolve("foreign");
        Path cell = out.resolve("runs/relu-L1-s1-lr1e-3");
        Files.createDirectories(cell);
        Files.writeString(cell.resolve("notes.txt"), "mine");
        StringWriter err = new StringWriter();
        int rc = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "sweep", "--activations", "relu",
                "--depths", "1", "--seeds", "1", "--lrs", "1e-3", "--no-report", "--out", out.toString(), "--device", "cpu");
        assertEquals(2, rc);
        assertTrue(err.toString().contains(cell + " exists but is not a spikelab run"), err.toString());
        assertTrue(Files.exists(cell.resolve("notes.txt")));
    }

    private static List<String> losses(Path run) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            out.add(com.google.gson.JsonParser.parseString(line).getAsJsonObject().get("loss").getAsString());
        }
        return out;
    }
}
