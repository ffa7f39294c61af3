package spikelab.cli;

import spikelab.run.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;
import spikelab.backend.Precision;
import spikelab.cli.SweepGrid.Cell;
import spikelab.model.Activation;
import spikelab.report.Report;
import spikelab.report.RunData;
import spikelab.run.AtomicFiles;
import spikelab.run.Json;
import spikelab.run.RunLock;
import spikelab.train.Checkpoint;

/**
 * {@code spikelab sweep}: trains one run per cell of activations × depths × seeds × learning
 * rates, in this process, one after another, then writes the report. A cell whose summary.json
 * says it finished (all steps, or diverged) is skipped and an interrupted one continues from its
 * checkpoint, so rerunning an interrupted sweep resumes it; {@code --shard i/n} splits the
 * cells between machines or array jobs.
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
    @Option(names = "--precisions", split = ",", paramLabel = "fp32|tf32|bf16", defaultValue = "fp32",
            description = "precisions of the matrix products, comma-separated, e.g. fp32,bf16 (default: ${DEFAULT-VALUE})")
    List<String> precisions;
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/sweep",
            description = "sweep directory; rerun with the same DIR to resume (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--shard", paramLabel = "I/N",
            description = "run only cells i, i+n, i+2n, ... of the grid (0 <= i < n), e.g. --shard $${SLURM_ARRAY_TASK_ID}/8 in a Slurm array")
    String shard;
    @Option(names = "--device", paramLabel = "D", defaultValue = "auto",
            description = "cpu, cuda or auto, as for train (default: ${DEFAULT-VALUE})")
    String device;
    @Option(names = "--parallel", paramLabel = "N|auto", defaultValue = "1",
            description = "train N cells at once in N processes sharing the cores (auto: one per core); per-cell results "
                    + "are the same as one at a time (default: ${DEFAULT-VALUE})")
    String parallel;
    @Option(names = "--no-report", description = "skip the report at the end (e.g. in array jobs; run 'spikelab report DIR' after)")
    boolean noReport;
    @Option(names = "--dry-run", description = "list the cells and what each would run, then stop")
    boolean dryRun;
    @Unmatched
    List<String> trainArgs = new ArrayList<>();
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    CellRunner runner = SweepCommand::train;

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
        if (parallel.equalsIgnoreCase("auto") && onGpu()) processes = gpuProcesses(grid);

        if (dryRun) {
            for (Cell c : mine) System.out.println(c.name() + ": spikelab train " + String.join(" ", args(c)));
            System.out.printf("%d of %d cells%s%n", mine.size(), grid.size(), shard == null ? "" : " in shard " + shard);
            return 0;
        }
        writeSweepJson();
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
        int done = 0, skipped = 0;
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < mine.size(); i++) {
            Cell c = mine.get(i);
            Path dir = cellDir(c);
            String tag = String.format("[%d/%d] %s", i + 1, mine.size(), c.name());
            if (finished(dir, c, wanted)) {
                log.info("{}: finished earlier, skipped", tag);
                skipped++;
                continue;
            }
            int rc;
            try {
                rc = trainCell(c, dir, tag);
            } catch (UserError e) {
                throw e;                                    // the same options would fail every cell
            } catch (Exception e) {
                // one cell's crash (e.g. out of GPU memory at depth 32) should not cost the rest of the grid
                log.error("{}: failed: {}", tag, e.toString());
                failed.add(c.name());
                continue;
            }
            if (rc == 130) {
                log.warn("sweep interrupted in {}: rerun the same command to resume", c.name());
                return 130;
            }
            if (rc != 0) failed.add(c.name());
            else done++;
        }
        log.info("sweep: {} cells trained, {} already finished, {} failed{}", done, skipped, failed.size(),
                failed.isEmpty() ? "" : " (" + String.join(", ", failed) + ")");
        if (!noReport) report();
        return failed.isEmpty() ? 0 : 1;
    }

    // ---- the grid ---------------------------------------------------------------------------

    private boolean onGpu() {
        return device.equals("cuda") || (device.equals("auto") && spikelab.train.Devices.cudaUnavailableReason() == null);
    }

    /**
     * {@code --parallel auto} on a GPU: from its free memory and the largest cell's footprint
     * ({@link ParallelSweep#autoGpu}); the vocabulary is taken as GPT-2's whenever the tokenizer
     * may be BPE and as 256 otherwise, so the estimate errs large.
     */
    private int gpuProcesses(List<Cell> grid) {
        long perRun = 0;
        for (Cell c : grid) {
            spikelab.train.TrainOptions o = parseTrain(args(c)).options();
            boolean text = o.data.equals("tinyshakespeare") || o.data.equals("synthetic") || o.data.endsWith(".txt");
            boolean bpe = o.tokenizer.equals("gpt2") || o.tokenizer.endsWith(".json") || (o.tokenizer.equals("auto") && !text);
            int vocab = bpe ? 50_257 : 256;
            perRun = Math.max(perRun, spikelab.train.MemoryEstimate.of(o.modelConfig(vocab), o.batch).gpuBytes());
        }
        long free = spikelab.cuda.CudaBackend.freeMemoryBytes();
        int n = ParallelSweep.autoGpu(Runtime.getRuntime().availableProcessors(), free, perRun);
        log.info("sweep --parallel auto on the GPU: {} processes ({} free, ~{} per run)", n,
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
        List<String> a = new ArrayList<>(List.of("--activation", c.activation, "--layers", String.valueOf(c.layers),
                "--seed", String.valueOf(c.seed), "--lr", String.valueOf(c.lr), "--device", device,
                "--out", cellDir(c).toString()));
        if (c.qkNorm) a.add("--qk-norm");
        if (c.zLoss != 0) a.addAll(List.of("--z-loss", String.valueOf(c.zLoss)));
        if (c.precision != Precision.FP32) a.addAll(List.of("--precision", c.precision.cliName()));
        a.addAll(trainArgs);
        return a;
    }

    Path cellDir(Cell c) { return out.resolve("runs").resolve(c.name()); }

    // ---- running and resuming ---------------------------------------------------------------

    private static TrainCommand parseTrain(List<String> args) {
        TrainCommand tc = new TrainCommand();
        try {
            new CommandLine(tc).parseArgs(args.toArray(new String[0]));
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
    private int trainCell(Cell c, Path dir, String tag) throws Exception {
        if (Files.exists(dir.resolve(Checkpoint.MODEL_FILE)) && Files.exists(dir.resolve(Checkpoint.STATE_FILE))) {
            List<String> resume = new ArrayList<>(args(c));
            resume.add("--resume");
            resume.add(dir.toString());
            log.info("{}: resuming from its checkpoint", tag);
            try {
                return runner.run(resume);
            } catch (UserError e) {
                log.warn("{}: cannot resume ({}); training it again from the start", tag, e.getMessage());
            }
        }
        clearUnfinished(dir);
        log.info("{}: training", tag);
        return runner.run(args(c));
    }

    /**
     * Config keys not compared with a finished cell's config.json: the cell's own coordinates
     * (they are its name), and where or how fast it ran.
     */
    private static final List<String> NOT_COMPARED = List.of("activation", "layers", "seed", "lr", "device", "threads", "name");

    /** What train would write into config.json for this cell: the probe's, with the cell's own qk-norm and z-loss. */
    private static JsonObject wantedFor(Cell c, JsonObject wanted) {
        JsonObject w = wanted.deepCopy();
        if (w.has("qk_norm")) w.addProperty("qk_norm", c.qkNorm);
        if (w.has("z_loss")) Json.put(w, "z_loss", c.zLoss);
        if (w.has("precision")) w.addProperty("precision", c.precision.cliName());
        return w;
    }

    /**
     * Finished: summary.json says all planned steps ran, or the run diverged. A finished cell run
     * with other settings than this sweep asks for is an error rather than silently mixed in.
     */
    private boolean finished(Path dir, Cell c, JsonObject wanted) {
        if (!Files.exists(dir.resolve("summary.json"))) return false;
        RunData r;
        try {
            r = RunData.load(dir);
        } catch (IllegalArgumentException e) {
            log.warn("{}: {}; running it again", c.name(), e.getMessage());
            return false;
        }
        if (!r.finished()) return false;
        wanted = wantedFor(c, wanted);
        JsonObject had = readConfig(dir);
        for (String key : wanted.keySet()) {
            if (NOT_COMPARED.contains(key) || had == null || !had.has(key)) continue;
            JsonElement a = had.get(key), b = wanted.get(key);
            boolean same = a.equals(b) || (a.isJsonPrimitive() && b.isJsonPrimitive() && a.getAsJsonPrimitive().isNumber()
                    && b.getAsJsonPrimitive().isNumber() && a.getAsDouble() == b.getAsDouble());
            if (!same) {
                throw new UserError(dir + " was run with " + key + " " + a + " but this sweep asks for " + b
                        + ": use another --out, or delete that directory to rerun the cell");
            }
        }
        // runs from before --ffn-hidden auto used a wider gated FFN and have no ffn_hidden key: their
        // stored width tells them apart from the parameter-matched cell this sweep would train
        if (had != null && had.has("hidden") && wanted.has("d_model")) {
            int want = hiddenWidth(c.activation, wanted.get("d_model").getAsInt(),
                    wanted.has("ffn_hidden") ? wanted.get("ffn_hidden").getAsString() : "auto");
            if (had.get("hidden").getAsInt() != want) {
                throw new UserError(dir + " was run with FFN hidden width " + had.get("hidden") + " but this sweep's cell has "
                        + want + " (--ffn-hidden auto matches parameters since 2026-12): use another --out, or delete that "
                        + "directory to rerun the cell");
            }
        }
        return true;
    }

    private static int hiddenWidth(String activation, int dModel, String ffnHidden) {
        return "auto".equals(ffnHidden) ? Activation.parse(activation).hiddenWidth(dModel) : Integer.parseInt(ffnHidden);
    }

    private static JsonObject readConfig(Path dir) {
        try {
            return JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            return null;   // summary.json alone is enough to call the cell finished
        }
    }

    /** An unfinished cell (killed, or interrupted) is trained again from scratch, so its files go first. */
    private void clearUnfinished(Path dir) {
        if (!Files.exists(dir)) return;
        // a run killed as it started (a JVM crash while loading the GPU's libraries, say) leaves
        // only its lock file: that too is an unfinished run, not someone else's directory
        boolean looksLikeRun = Files.exists(dir.resolve("config.json")) || Files.exists(dir.resolve("metrics.jsonl"))
                || Files.exists(dir.resolve(RunLock.FILE));
        try (Stream<Path> s = Files.list(dir)) {
            if (!looksLikeRun && s.findAny().isPresent()) {
                throw new UserError(dir + " exists but is not a spikelab run: move it away or choose another --out");
            }
        } catch (IOException e) {
            throw new UserError("cannot read " + dir + " (" + AtomicFiles.describe(e) + ")");
        }
        log.info("{}: removing the unfinished run there to train it again", dir);
        // under the run's lock, so a run still alive in another process is reported, not deleted
        try (RunLock held = RunLock.acquire(dir); Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        } catch (IOException e) {
            throw new UserError("cannot remove the unfinished run " + dir + " (" + AtomicFiles.describe(e) + "): delete it by hand");
        }
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
            System.out.printf("report: %d runs%s -> %s, %s, %d plots in %s%n", r.runs,
                    r.unfinished == 0 ? "" : " (" + r.unfinished + " unfinished)", r.markdown, r.csv, r.plots.size(),
                    out.resolve("plots"));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        } catch (IOException e) {
            throw new UserError("cannot write the report to " + out + " (" + AtomicFiles.describe(e) + ")");
        }
    }
}
