package spikelab.cli;

import spikelab.run.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;
import spikelab.backend.Precision;
import spikelab.cli.SweepGrid.Cell;
import spikelab.report.Report;
import spikelab.run.AtomicFiles;
import spikelab.run.Json;
import spikelab.train.Checkpoint;

/**
 * {@code spikelab sweep}: trains one run per cell of activations × depths × seeds × learning
 * rates, one after another in this process (or N at once with {@code --parallel}: in threads,
 * {@link ThreadedSweep}, or processes, {@link ParallelSweep}), then writes the report. A cell
 * whose summary.json says it finished (all steps, or diverged) is skipped and an interrupted one
 * continues from its checkpoint, so rerunning an interrupted sweep resumes it;
 * {@code --shard i/n} splits the cells between machines or array jobs.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train every cell of activations x depths x seeds x learning rates (x qk-norm x z-loss x precision) into DIR/runs/<cell>/, "
                + "skipping finished cells, then write DIR/summary.csv, DIR/report.md and DIR/plots/.",
                "Any other option is passed to every 'spikelab train' run (see 'spikelab train --help')."})
public final class SweepCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(SweepCommand.class);

    /** Runs one cell's training; returns train's exit status. Tests substitute their own. */
    interface CellRunner {
        int run(List<String> trainArgs) throws Exception;
    }

    @Option(names = "--activations", split = ",", paramLabel = "A", defaultValue = "relu,gelu,swiglu",
            description = "FFN activations, comma-separated (default: ${DEFAULT-VALUE})")
    List<String> activations;
    @Option(names = "--depths", split = ",", paramLabel = "L", defaultValue = "2,4,8",
            description = "numbers of layers, comma-separated (default: ${DEFAULT-VALUE})")
    List<Integer> depths;
    @Option(names = "--seeds", split = ",", paramLabel = "S", defaultValue = "1",
            description = "seeds, comma-separated (default: ${DEFAULT-VALUE})")
    List<Long> seeds;
    @Option(names = "--lrs", split = ",", paramLabel = "LR", defaultValue = "1e-3",
            description = "peak learning rates, comma-separated (default: ${DEFAULT-VALUE})")
    List<Double> lrs;
    @Option(names = "--qk-norms", split = ",", paramLabel = "off|on", defaultValue = "off",
            description = "qk-norm settings, comma-separated: off, on (on passes --qk-norm to train) (default: ${DEFAULT-VALUE})")
    List<String> qkNorms;
    @Option(names = "--z-losses", split = ",", paramLabel = "X", defaultValue = "0",
            description = "z-loss coefficients, comma-separated, 0 = off, e.g. 0,1e-4 (default: ${DEFAULT-VALUE})")
    List<Double> zLosses;
    @Option(names = "--precisions", split = ",", paramLabel = "fp32|tf32|bf16|bf16-autocast", defaultValue = "fp32",
            description = "precisions of the matrix products, comma-separated, e.g. fp32,bf16 (default: ${DEFAULT-VALUE})")
    List<String> precisions;
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/sweep",
            description = "sweep directory; rerun with the same DIR to resume (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--shard", paramLabel = "I/N",
            description = "run only cells i, i+n, i+2n, ... of the grid (0 <= i < n), e.g. --shard $${SLURM_ARRAY_TASK_ID}/8 in a Slurm array")
    String shard;
    @Option(names = "--device", paramLabel = "D", defaultValue = "auto",
            description = "cpu, cuda, cuda:N or auto, as for train (default: ${DEFAULT-VALUE})")
    String device;
    @Option(names = "--devices", split = ",", paramLabel = "N",
            description = "GPUs to spread --parallel's cells over, e.g. 0,1,2,3: the cells at once are dealt out to them in turn "
                    + "(with --parallel-in threads; default: the one --device names)")
    List<Integer> devices;
    @Option(names = "--parallel", paramLabel = "N|auto", defaultValue = "1",
            description = "train N cells at once, sharing the cores or the GPU (auto: one per core on the CPU; on a GPU as many "
                    + "as its free memory holds); per-cell results are the same as one at a time (default: ${DEFAULT-VALUE})")
    String parallel;
    @Option(names = "--parallel-in", paramLabel = "threads|processes|auto", defaultValue = "auto",
            description = "how --parallel runs its cells: threads of this process (on a GPU one context, a stream per cell, "
                    + "so their kernels overlap) or processes (each its own JVM; on a GPU time-sliced contexts); auto: "
                    + "threads on a GPU, processes on the CPU (default: ${DEFAULT-VALUE})")
    String parallelIn;
    @Option(names = "--no-report", description = "skip the report at the end (e.g. in array jobs; run 'spikelab report DIR' after)")
    boolean noReport;
    @Option(names = "--dry-run", description = "list the cells and what each would run, then stop")
    boolean dryRun;
    @Unmatched
    List<String> trainArgs = new ArrayList<>();
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    CellRunner runner = SweepCommand::train;
    /** Options added to every cell's train call: --threads when cells share the cores in threads. */
    private List<String> cellExtra = List.of();

    @Override
    public Integer call() {
        checkPassThrough();
        List<Cell> grid = grid();
        int[] sh = parseShard();
        List<Cell> mine = new ArrayList<>();
        for (int i = 0; i < grid.size(); i++) if (i % sh[1] == sh[0]) mine.add(grid.get(i));
        // parse and validate train's options once, before anything runs, so a typo fails in seconds, not hours
        TrainCommand probe = parseTrain(args(grid.get(0)));
        probe.options().validate();
        JsonObject wanted = probe.options().toJson();
        int processes = ParallelSweep.parse(parallel, Runtime.getRuntime().availableProcessors());
        boolean inThreads = ThreadedSweep.useThreads("--parallel-in", parallelIn, device);
        List<String> gpus = gpuDevices(inThreads);
        if (parallel.equalsIgnoreCase("auto") && onGpu()) {
            processes = Math.min(Runtime.getRuntime().availableProcessors(), gpus.size() * gpuProcesses(grid, inThreads));
        }

        if (dryRun) {
            dryRun(mine, grid.size(), wanted);
            return 0;
        }
        writeSweepJson();
        if (processes > 1 && mine.size() > 1 && inThreads) {
            int n = Math.min(processes, mine.size());
            if (!ParallelSweep.setsThreads(trainArgs)) {
                cellExtra = List.of("--threads", String.valueOf(Math.max(1, Runtime.getRuntime().availableProcessors() / n)));
            }
            log.info("sweep: {} cells at once in threads of this process{}", n, gpus.size() > 1 ? " on " + gpus : "");
            Outcome[] outcomes = ThreadedSweep.run(mine, n,
                    (i, c, worker) -> runCell(i, mine.size(), c, wanted, gpus.get(worker % gpus.size())));
            return finish(mine, outcomes);
        }
        if (processes > 1 && mine.size() > 1) {
            int rc = ParallelSweep.run(spec.commandLine().getParseResult().originalArgs(), sh, Math.min(processes, mine.size()),
                    Runtime.getRuntime().availableProcessors());
            if (rc == 130) {
                log.warn("sweep interrupted: rerun the same command to resume");
                return 130;
            }
            if (!noReport) report();
            return rc;
        }
        Outcome[] outcomes = new Outcome[mine.size()];
        for (int i = 0; i < mine.size(); i++) {
            outcomes[i] = runCell(i, mine.size(), mine.get(i), wanted, gpus.get(0));
            if (outcomes[i] == Outcome.INTERRUPTED) break;
        }
        return finish(mine, outcomes);
    }

    /**
     * Lists each cell with what a sweep would do with it now and its train command, then a tally:
     * "48 of 48 cells: 12 finished, 2 running now, 1 resumes from its checkpoint, 33 to run".
     */
    private void dryRun(List<Cell> mine, int gridSize, JsonObject wanted) {
        Map<String, Integer> tally = new LinkedHashMap<>();
        for (Cell c : mine) {
            String state = CellDirs.state(cellDir(c), c, wanted);
            System.out.println(c.name() + " [" + state + "]: spikelab train " + String.join(" ", args(c)));
            String kind = state.startsWith("running now") ? "running now" : state.startsWith("in the way") ? "in the way" : state;
            tally.merge(kind, 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        tally.forEach((k, n) -> parts.add(n + " " + k));
        System.out.printf("%d of %d cells%s: %s%n", mine.size(), gridSize, shard == null ? "" : " in shard " + shard,
                String.join(", ", parts));
    }

    /** What became of one cell; null for a cell an interrupted sweep never reached. */
    enum Outcome { TRAINED, SKIPPED, FAILED, INTERRUPTED }

    /**
     * One cell: skipped when it finished earlier, else trained (from its checkpoint when it has
     * one). A UserError propagates (the same options would fail every cell); any other crash
     * (e.g. out of GPU memory at depth 32) fails this cell only.
     */
    Outcome runCell(int i, int total, Cell c, JsonObject wanted, String dev) {
        Path dir = cellDir(c);
        String tag = String.format("[%d/%d] %s", i + 1, total, c.name());
        if (CellDirs.finished(dir, c, wanted)) {
            log.info("{}: finished earlier, skipped", tag);
            return Outcome.SKIPPED;
        }
        int rc;
        try {
            rc = trainCell(c, dir, tag, dev);
        } catch (UserError e) {
            throw e;
        } catch (Exception e) {
            log.error("{}: failed: {}", tag, e.toString());
            return Outcome.FAILED;
        }
        if (rc == 130) {
            log.warn("sweep interrupted in {}: rerun the same command to resume", c.name());
            return Outcome.INTERRUPTED;
        }
        return rc == 0 ? Outcome.TRAINED : Outcome.FAILED;
    }

    /** Logs the tally, writes the report unless interrupted or --no-report; the sweep's exit status. */
    private int finish(List<Cell> cells, Outcome[] outcomes) {
        int done = 0, skipped = 0;
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            if (outcomes[i] == Outcome.INTERRUPTED) return 130;
            if (outcomes[i] == Outcome.TRAINED) done++;
            else if (outcomes[i] == Outcome.SKIPPED) skipped++;
            else if (outcomes[i] == Outcome.FAILED) failed.add(cells.get(i).name());
        }
        log.info("sweep: {} cells trained, {} already finished, {} failed{}", done, skipped, failed.size(),
                failed.isEmpty() ? "" : " (" + String.join(", ", failed) + ")");
        if (!noReport) report();
        return failed.isEmpty() ? 0 : 1;
    }

    // ---- the grid ---------------------------------------------------------------------------

    /**
     * The --device value of each GPU the cells are dealt to: --devices as cuda:N, or just
     * --device. --devices needs a GPU --device and the threaded mode (processes would each have
     * to be told theirs).
     */
    private List<String> gpuDevices(boolean inThreads) {
        if (devices == null || devices.isEmpty()) return List.of(device);
        if (!onGpu()) {
            throw new UserError("--devices lists GPUs, but this sweep runs on the CPU (--device " + device
                    + "): drop --devices, or run it on a GPU machine with --device cuda");
        }
        if (!inThreads) throw new UserError("--devices spreads cells in threads: drop --parallel-in processes");
        List<String> out = new ArrayList<>();
        for (int d : devices) {
            if (d < 0) throw new UserError("--devices: GPU numbers start at 0, got " + d);
            if (out.contains("cuda:" + d)) throw new UserError("--devices lists GPU " + d + " twice");
            out.add("cuda:" + d);
        }
        return out;
    }

    private boolean onGpu() {
        return spikelab.train.Devices.runsOnGpu(device);
    }

    /**
     * {@code --parallel auto} on a GPU: from its free memory and the largest cell's footprint
     * ({@link ParallelSweep#autoGpu}); the vocabulary is taken as GPT-2's whenever the tokenizer
     * may be BPE and as 256 otherwise, so the estimate errs large.
     */
    private int gpuProcesses(List<Cell> grid, boolean inThreads) {
        long perRun = 0;
        for (Cell c : grid) {
            spikelab.train.TrainOptions o = parseTrain(args(c)).options();
            boolean text = o.data.equals("tinyshakespeare") || o.data.equals("synthetic") || o.data.endsWith(".txt");
            boolean bpe = o.tokenizer.equals("gpt2") || o.tokenizer.endsWith(".json") || (o.tokenizer.equals("auto") && !text);
            int vocab = bpe ? 50_257 : 256;
            perRun = Math.max(perRun, spikelab.train.MemoryEstimate.of(o.modelConfig(vocab), o.batch).gpuBytes());
        }
        long free = spikelab.cuda.CudaBackend.freeMemoryBytes();
        int n = ParallelSweep.autoGpu(Runtime.getRuntime().availableProcessors(), free, perRun, inThreads);
        log.info("sweep --parallel auto on the GPU: {} {} ({} free, ~{} per run)", n, inThreads ? "threads" : "processes",
                free < 0 ? "unknown" : spikelab.train.MemoryEstimate.gib(free), spikelab.train.MemoryEstimate.gib(perRun));
        return n;
    }

    /** The cells of this sweep's axes, in run order ({@link SweepGrid#cells}). */
    List<Cell> grid() {
        return SweepGrid.cells(activations, depths, seeds, lrs, qkNorms, zLosses, precisions);
    }

    int[] parseShard() {
        if (shard == null) return new int[] {0, 1};
        String[] p = shard.split("/");
        try {
            if (p.length == 2) {
                int i = Integer.parseInt(p[0].trim()), n = Integer.parseInt(p[1].trim());
                if (n >= 1 && i >= 0 && i < n) return new int[] {i, n};
            }
        } catch (NumberFormatException e) {
            // reported below with the expected form
        }
        throw new UserError("--shard '" + shard + "' must be I/N with 0 <= I < N, e.g. --shard 0/4 ... --shard 3/4");
    }

    private static final String[][] OWNED = {
        {"--activation", "--activations"}, {"--layers", "--depths"}, {"--seed", "--seeds"}, {"--lr", "--lrs"},
        {"--qk-norm", "--qk-norms on (or off,on)"}, {"--z-loss", "--z-losses X (or 0,X)"},
        {"--precision", "--precisions X (or fp32,bf16)"}, {"--tf32", "--precisions tf32"},
        {"--out", "the sweep's --out (cells go to DIR/runs/<cell>)"}};

    private void checkPassThrough() {
        for (String a : trainArgs) {
            for (String[] o : OWNED) {
                if (a.equals(o[0]) || a.startsWith(o[0] + "=")) {
                    throw new UserError(o[0] + " is set per cell by the sweep: use " + o[1]);
                }
            }
        }
    }

    List<String> args(Cell c) {
        return args(c, device);
    }

    /** Train's arguments for cell c on device {@code dev} (--device, or one of --devices). */
    List<String> args(Cell c, String dev) {
        List<String> a = new ArrayList<>(List.of("--activation", c.activation, "--layers", String.valueOf(c.layers),
                "--seed", String.valueOf(c.seed), "--lr", String.valueOf(c.lr), "--device", dev,
                "--out", cellDir(c).toString()));
        if (c.qkNorm) a.add("--qk-norm");
        if (c.zLoss != 0) a.addAll(List.of("--z-loss", String.valueOf(c.zLoss)));
        if (c.precision != Precision.FP32) a.addAll(List.of("--precision", c.precision.cliName()));
        a.addAll(trainArgs);
        a.addAll(cellExtra);
        return a;
    }

    Path cellDir(Cell c) { return out.resolve("runs").resolve(c.name()); }

    // ---- running and resuming ---------------------------------------------------------------

    private static TrainCommand parseTrain(List<String> args) {
        TrainCommand tc = new TrainCommand();
        try {
            // a later option wins, so that options added after a preset's (reproduce-activation-study.sh
            // cpu main --steps 200) override it rather than being refused as given twice
            new CommandLine(tc).setOverwrittenOptionsAllowed(true).parseArgs(args.toArray(new String[0]));
        } catch (CommandLine.ParameterException e) {
            throw new UserError(e.getMessage() + " (in the options the sweep passes to train; see 'spikelab train --help')");
        }
        return tc;
    }

    private static int train(List<String> args) {
        return parseTrain(args).call();
    }

    /**
     * Trains one unfinished cell. One that stopped with a checkpoint (Ctrl-C, a scheduler's time
     * limit, --checkpoint-every before a kill) continues from it, so what it measured is kept and
     * its losses are those of an uninterrupted run; if it cannot be resumed (corrupt checkpoint,
     * other settings), or has none, it is cleared and trained from the start.
     */
    private int trainCell(Cell c, Path dir, String tag, String dev) throws Exception {
        if (Files.exists(dir.resolve(Checkpoint.MODEL_FILE)) && Files.exists(dir.resolve(Checkpoint.STATE_FILE))) {
            List<String> resume = new ArrayList<>(args(c, dev));
            resume.add("--resume");
            resume.add(dir.toString());
            log.info("{}: resuming from its checkpoint", tag);
            try {
                return runner.run(resume);
            } catch (UserError e) {
                log.warn("{}: cannot resume ({}); training it again from the start", tag, e.getMessage());
            }
        }
        CellDirs.clearUnfinished(dir);
        log.info("{}: training", tag);
        return runner.run(args(c, dev));
    }

    /** DIR/sweep.json: the grid and the options passed to train, to repeat or extend the sweep. */
    private void writeSweepJson() {
        JsonObject o = new JsonObject();
        o.add("activations", strings(activations));
        JsonArray d = new JsonArray();
        depths.forEach(d::add);
        o.add("depths", d);
        JsonArray s = new JsonArray();
        seeds.forEach(s::add);
        o.add("seeds", s);
        JsonArray l = new JsonArray();
        lrs.forEach(l::add);
        o.add("lrs", l);
        o.add("qk_norms", strings(qkNorms));
        JsonArray z = new JsonArray();
        zLosses.forEach(z::add);
        o.add("z_losses", z);
        o.add("precisions", strings(precisions));
        o.addProperty("device", device);
        o.add("train_args", strings(trainArgs));
        try {
            Files.createDirectories(out);
            AtomicFiles.writeString(out.resolve("sweep.json"), Json.PRETTY.toJson(o) + "\n");
        } catch (IOException e) {
            throw new UserError("cannot write " + out.resolve("sweep.json") + " (" + AtomicFiles.describe(e) + "): choose a writable --out");
        }
    }

    private static JsonArray strings(List<String> xs) {
        JsonArray a = new JsonArray();
        xs.forEach(a::add);
        return a;
    }

    private void report() {
        if (!Files.isDirectory(out.resolve("runs"))) return;
        try {
            Report.Result r = Report.generate(List.of(out), out);
            if (r.plotsSkipped != null) log.warn("no plots: {}", r.plotsSkipped);
            System.out.println(r.line());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        } catch (IOException e) {
            throw new UserError("cannot write the report to " + out + " (" + AtomicFiles.describe(e) + ")");
        }
    }
}
