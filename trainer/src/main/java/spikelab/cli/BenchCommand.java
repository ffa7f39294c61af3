package spikelab.cli;

import spikelab.run.UserError;
import java.util.concurrent.Callable;

import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import spikelab.backend.Backend;
import spikelab.backend.BackendProfiler;
import spikelab.backend.Tensor;
import spikelab.data.TokenDataset;
import spikelab.model.ModelConfig;
import spikelab.model.Rng;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;
import spikelab.optim.TrainStep;
import spikelab.run.Json;
import spikelab.train.DataLoading;
import spikelab.train.Devices;
import spikelab.train.MeasurementCost;
import spikelab.train.TrainOptions;

/**
 * {@code spikelab bench}: times whole training steps (forward, backward, gradient norm, AdamW)
 * after warm-up and reports tokens/s and model-FLOPs utilisation against a matrix-product peak
 * measured on the same backend in the same process.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure training throughput (tokens/s) and model-FLOPs utilisation.")
public final class BenchCommand implements Callable<Integer> {
    @Mixin
    TrainOptions options = new TrainOptions();

    @Option(names = "--vocab", defaultValue = "65", description = "vocabulary size of the random tokens (default: ${DEFAULT-VALUE}, tinyshakespeare's chars; "
            + "with --tokenizer or --data, that tokenizer's)")
    int vocab = 65;
    @Option(names = "--bench-steps", defaultValue = "10", description = "timed steps (default: ${DEFAULT-VALUE})")
    int benchSteps = 10;
    @Option(names = "--bench-warmup", defaultValue = "3", description = "untimed warm-up steps, at least (default: ${DEFAULT-VALUE})")
    int benchWarmup = 3;
    @Option(names = "--bench-warmup-seconds", paramLabel = "S", defaultValue = "5",
            description = "keep warming up until S seconds have passed too, then until the step time stops improving "
                    + "(at most 30 s in all), so the JVM's JIT has compiled the step before it is timed; "
                    + "0 for --bench-warmup steps only (default: ${DEFAULT-VALUE})")
    double benchWarmupSeconds = 5;
    @Option(names = "--peak-size", paramLabel = "N", description = "side of the square product that measures the peak "
            + "(default: 1024 on the CPU, 4096 on a GPU, which a 1024 product cannot fill)")
    Integer peakSize;
    @Option(names = "--json", description = "print one JSON object as the last line")
    boolean json;
    @Option(names = "--measurement-cost", description = "instead: time the stability measurements, the dead-unit "
            + "probe and validation against training steps on --data (default: tinyshakespeare)")
    boolean measurementCost;
    @Option(names = "--runs", paramLabel = "K", defaultValue = "1", description = "K copies of this bench at once on the same "
            + "device, timed over one window: their aggregate tokens/s (default: ${DEFAULT-VALUE})")
    int runs = 1;
    @Option(names = "--runs-in", paramLabel = "threads|processes|auto", defaultValue = "auto",
            description = "how --runs shares the device: threads of this process (on a GPU one context, a stream each, so "
                    + "their kernels overlap) or processes (on a GPU time-sliced contexts); auto: threads on a GPU, "
                    + "processes on the CPU (default: ${DEFAULT-VALUE})")
    String runsIn = "auto";
    /** Set by {@code --runs} on its children: wait after warm-up until every run is ready (see {@link BenchRuns}). */
    @Option(names = "--profile", description = "also print the time of every backend op during the timed steps "
            + "(products by shape); on a GPU each op is synchronised, so the step is slower than unprofiled")
    boolean profile;
    @Option(names = "--runs-child", hidden = true)
    boolean runsChild;
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /**
     * The options bench shares with train through the {@link TrainOptions} mixin but never
     * reads: removed from its command line, so that {@code bench --out DIR} is an error rather
     * than silently ignored. The fields keep their defaults, which validate() checks.
     */
    static final java.util.Set<String> TRAIN_ONLY = java.util.Set.of("--steps", "--lr", "--min-lr", "--warmup",
            "--weight-decay", "--beta1", "--beta2", "--clip", "--z-loss", "--eval-every", "--probe-every",
            "--spike-window", "--spike-threshold", "--spike-preset", "--explosion-factor", "--continue-on-divergence",
            "--out", "--no-progress", "--log-every", "--checkpoint-every", "--resume", "--stop-after");

    static void dropTrainOnlyOptions(picocli.CommandLine bench) {
        picocli.CommandLine.Model.CommandSpec spec = bench.getCommandSpec();
        for (picocli.CommandLine.Model.OptionSpec o : new java.util.ArrayList<>(spec.options())) {
            if (TRAIN_ONLY.contains(o.longestName())) spec.remove(o);
        }
    }

    @Override
    public Integer call() {
        options.validate();
        if (benchSteps < 1 || benchWarmup < 0) throw new UserError("--bench-steps must be positive and --bench-warmup 0 or more");
        if (!(benchWarmupSeconds >= 0) || benchWarmupSeconds > 3600) {
            throw new UserError("--bench-warmup-seconds must be between 0 and 3600, got " + benchWarmupSeconds);
        }
        if (vocab < 2) throw new UserError("--vocab must be at least 2, got " + vocab);
        if (runs < 1) throw new UserError("--runs must be 1 or more (concurrent bench processes), got " + runs);
        if (runs > 1 && measurementCost) throw new UserError("--runs and --measurement-cost cannot be combined: drop --runs");
        if (runs > 1 && profile) throw new UserError("--runs and --profile cannot be combined: profile one run");
        if (profile && options.cudaGraphs) {
            throw new UserError("--profile times each op on its own, which a CUDA graph hides: drop --cuda-graphs to profile");
        }
        ThreadedSweep.useThreads("--runs-in", runsIn, "cpu");   // rejects an unknown --runs-in even without --runs
        if (!measurementCost) vocab = benchVocab();
        if (runs > 1) return concurrent();
        if (runsChild) {
            try (Backend be = Devices.open(options.device, options.threads(), options.precision(), options.cudaGraphs)) {
                System.out.println(timedRun(be, options.threads(), BenchCommand::awaitGo));
            }
            return 0;
        }
        TokenDataset data = measurementCost ? DataLoading.load(options) : null;
        ModelConfig cfg = options.modelConfig(data != null ? data.tokenizer().vocabSize() : vocab);
        try (Backend be = Devices.open(options.device, options.threads(), options.precision(), options.cudaGraphs)) {
            BackendProfiler profiler = profile ? BackendProfiler.wrap(be) : null;
            Transformer model = new Transformer(profile ? profiler.backend() : be, cfg, options.batch, options.seed);
            AdamW adam = new AdamW(model, 0.9f, 0.95f, 1e-8f, 0.1f);
            int n = options.batch * options.context;
            int[][] io = randomTokens(n);
            int[] in = io[0], tg = io[1];
            if (measurementCost) {
                System.out.println(MeasurementCost.measure(model, adam, data, options.evalBatches,
                        options.dataSeed, benchSteps));
                return 0;
            }
            TrainStep step = new TrainStep(model, adam, 1.0, false);
            int warmed = warmUp(be, step, in, tg);
            if (profile) profiler.enable(true);
            long t0 = System.nanoTime();
            for (int i = 0; i < benchSteps; i++) step.run(in, tg, BENCH_LR);
            be.synchronize();
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (profile) profiler.enable(false);
            double tps = tps(n, seconds);
            double flopsPerToken = cfg.flopsPerToken();
            double achieved = tps * flopsPerToken / 1e9;
            boolean gpu = be.name().startsWith("cuda");
            int side = peakSize != null ? peakSize : gpu ? 4096 : 1024;
            double peak = measurePeak(be, side);
            double mfu = achieved / peak;
            double published = gpu ? publishedPeakGflops(be.name(), options.precision()) : Double.NaN;

            System.out.println("spikelab bench: " + cfg + ", B=" + options.batch);
            System.out.println("device:            " + be.name());
            System.out.printf("tokens/s:          %,.0f  (%.1f ms/step, %d timed steps after %d warm-up)%n", tps,
                    1e3 * seconds / benchSteps, benchSteps, warmed);
            System.out.printf("model FLOPs:       %.2f MFLOP/token -> %.1f GFLOP/s achieved%n", flopsPerToken / 1e6, achieved);
            System.out.printf("matmul peak:       %.1f GFLOP/s (%d^3 product, measured now)%n", peak, side);
            System.out.printf("MFU:               %.1f%% of the measured peak%n", 100 * mfu);
            if (!Double.isNaN(published)) {
                System.out.printf("MFU (published):   %.1f%% of the GPU's published %s peak, %.0f TFLOP/s%n", 100 * achieved / published,
                        peakName(options.precision()), published / 1e3);
            }
            if (!gpu) {
                System.out.println("reference (DESIGN 5's 2-vCPU machine, reference model): PyTorch CPU ~5,900 tok/s (1 thread), "
                        + "~2,900 (2 threads); OpenBLAS sgemm ~70 GFLOP/s. On this machine: scripts/bench-vs-pytorch.sh");
            }
            if (profile) {
                System.out.println();
                System.out.println("profile of the " + benchSteps + " timed steps (per step; the timing itself adds a little):");
                System.out.print(profiler.table(benchSteps));
            }
            if (json) {
                JsonObject o = new JsonObject();
                Json.put(o, "tokens_per_s", Math.round(tps));
                Json.put(o, "mfu", mfu);
                Json.put(o, "ms_per_step", 1e3 * seconds / benchSteps);
                Json.put(o, "achieved_gflops", achieved);
                Json.put(o, "peak_gflops", peak);
                Json.put(o, "mfu_published", achieved / published);
                Json.put(o, "flops_per_token", flopsPerToken);
                o.addProperty("device", be.name());
                o.addProperty("precision", options.precision().cliName());
                o.addProperty("threads", options.threads());
                putShape(o, cfg);
                o.addProperty("parameter_count", cfg.parameterCount());
                o.addProperty("peak_memory_mb", peakHeapMb());
                System.out.println(Json.GSON.toJson(o));
            }
        }
        return 0;
    }

    /**
     * The vocabulary the random tokens are drawn from: --vocab, or the tokenizer's where
     * --tokenizer or --data names one and --vocab is not given, so that {@code bench --tokenizer
     * gpt2} times GPT-2's 50,257 rows of output layer rather than silently tinyshakespeare's 65.
     */
    private int benchVocab() {
        picocli.CommandLine.ParseResult given = spec.commandLine().getParseResult();
        if (!given.hasMatchedOption("--tokenizer") && !given.hasMatchedOption("--data")) return vocab;
        int fromData = DataLoading.load(options).tokenizer().vocabSize();
        if (given.hasMatchedOption("--vocab") && vocab != fromData) {
            throw new UserError("--vocab " + vocab + " disagrees with the vocabulary of --tokenizer/--data (" + fromData
                    + "): give one of them");
        }
        return fromData;
    }

    /**
     * One of the --runs: builds the model on {@code be}, warms up, waits at {@code gate} until
     * every run is ready, times --bench-steps steps; returns its JSON line with the wall-clock
     * window it timed. (The peak is measured once by the parent, with no run on the device.)
     */
    String timedRun(Backend be, int threads, Runnable gate) {
        ModelConfig cfg = options.modelConfig(vocab);
        Transformer model = new Transformer(be, cfg, options.batch, options.seed);
        AdamW adam = new AdamW(model, 0.9f, 0.95f, 1e-8f, 0.1f);
        int n = options.batch * options.context;
        int[][] io = randomTokens(n);
        int[] in = io[0], tg = io[1];
        TrainStep step = new TrainStep(model, adam, 1.0, false);
        warmUp(be, step, in, tg);
        gate.run();
        long windowStart = epochNanos();
        long t0 = System.nanoTime();
        for (int i = 0; i < benchSteps; i++) step.run(in, tg, BENCH_LR);
        be.synchronize();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long windowEnd = epochNanos();
        return childJson(be.name(), threads, tps(n, seconds), seconds, (long) benchSteps * n, windowStart, windowEnd);
    }

    /** The benched batch: n random inputs and n random targets below --vocab, from --seed (the same in every run). */
    private int[][] randomTokens(int n) {
        int[] in = new int[n], tg = new int[n];
        Rng rng = new Rng(options.seed);
        for (int i = 0; i < n; i++) {
            in[i] = (int) (rng.nextDouble() * vocab);
            tg[i] = (int) (rng.nextDouble() * vocab);
        }
        return new int[][] {in, tg};
    }

    /** The benched model's shape, as both JSON lines (one run, or --runs) report it. */
    private void putShape(JsonObject o, ModelConfig cfg) {
        o.addProperty("activation", cfg.activation().cliName());
        o.addProperty("layers", cfg.layers());
        o.addProperty("d_model", cfg.dModel());
        o.addProperty("heads", cfg.heads());
        o.addProperty("context", cfg.context());
        o.addProperty("vocab", cfg.vocabSize());
        o.addProperty("batch", options.batch);
    }

    private double tps(int tokensPerStep, double seconds) {
        return (double) benchSteps * tokensPerStep / seconds;
    }

    private static long epochNanos() {
        java.time.Instant t = java.time.Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static void awaitGo() {
        System.out.println(BenchRuns.READY);
        System.out.flush();
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8)).readLine();
            if (!BenchRuns.GO.equals(line)) throw new UserError("bench: the --runs parent went away before the timed steps");
        } catch (java.io.IOException e) {
            throw new UserError("bench: cannot read the --runs parent's start signal (" + e.getMessage() + ")");
        }
    }

    private String childJson(String device, int threads, double tps, double seconds, long timedTokens, long windowStart,
                             long windowEnd) {
        JsonObject o = new JsonObject();
        Json.put(o, "tokens_per_s", Math.round(tps));
        Json.put(o, "ms_per_step", 1e3 * seconds / benchSteps);
        o.addProperty("timed_tokens", timedTokens);
        o.addProperty("window_start_ns", windowStart);
        o.addProperty("window_end_ns", windowEnd);
        o.addProperty("device", device);
        o.addProperty("threads", threads);
        return Json.GSON.toJson(o);
    }

    /** {@code --runs K}: K runs timed together, in threads or processes; prints each one's tokens/s and the aggregate. */
    private int concurrent() {
        int cores = Runtime.getRuntime().availableProcessors();
        boolean threads = ThreadedSweep.useThreads("--runs-in", runsIn, options.device);
        BenchRuns.Result r = threads
                ? BenchThreads.run(this, runs, options.threads != null ? options.threads : Math.max(1, cores / runs))
                : BenchRuns.run(spec.commandLine().getParseResult().originalArgs(), runs, cores);
        ModelConfig cfg = options.modelConfig(vocab);
        double flopsPerToken = cfg.flopsPerToken();
        double achieved = r.aggregateTokensPerSecond() * flopsPerToken / 1e9;
        double peak, published;
        String device;
        try (Backend be = Devices.open(options.device, options.threads(), options.precision(), options.cudaGraphs)) {
            boolean gpu = be.name().startsWith("cuda");
            peak = measurePeak(be, peakSize != null ? peakSize : gpu ? 4096 : 1024);
            published = gpu ? publishedPeakGflops(be.name(), options.precision()) : Double.NaN;
            device = be.name();
        }
        System.out.println("spikelab bench --runs " + runs + " (in " + (threads ? "threads" : "processes") + "): " + cfg
                + ", B=" + options.batch);
        System.out.println("device:            " + device);
        for (int k = 0; k < r.children().size(); k++) {
            JsonObject c = r.children().get(k);
            System.out.printf("run %-3d            %,d tokens/s (%.1f ms/step, %d thread%s)%n", k + 1, c.get("tokens_per_s").getAsLong(),
                    c.get("ms_per_step").getAsDouble(), c.get("threads").getAsInt(), c.get("threads").getAsInt() == 1 ? "" : "s");
        }
        System.out.printf("aggregate:         %,.0f tokens/s (%d runs' timed tokens over the %.2f s from the first start to the last end)%n",
                r.aggregateTokensPerSecond(), runs, r.windowSeconds());
        System.out.printf("MFU (aggregate):   %.1f%% of the measured peak, %.1f GFLOP/s (%s)%n", 100 * achieved / peak, peak,
                "a " + (peakSize != null ? peakSize : device.startsWith("cuda") ? 4096 : 1024) + "^3 product, measured after the runs");
        if (!Double.isNaN(published)) System.out.printf("MFU (published):   %.1f%%%n", 100 * achieved / published);
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("runs", runs);
            o.addProperty("runs_in", threads ? "threads" : "processes");
            Json.put(o, "aggregate_tokens_per_s", Math.round(r.aggregateTokensPerSecond()));
            double sum = 0;
            for (JsonObject c : r.children()) sum += c.get("tokens_per_s").getAsDouble();
            Json.put(o, "sum_of_runs_tokens_per_s", Math.round(sum));
            Json.put(o, "window_s", r.windowSeconds());
            Json.put(o, "mfu", achieved / peak);
            Json.put(o, "mfu_published", achieved / published);
            Json.put(o, "peak_gflops", peak);
            o.addProperty("device", device);
            o.addProperty("threads_per_run", r.children().get(0).get("threads").getAsInt());
            putShape(o, cfg);
            System.out.println(Json.GSON.toJson(o));
        }
        return 0;
    }

    /** Steps per window of the warm-up's convergence test, and how much faster a window must be to go on. */
    static final int WARMUP_WINDOW = 5;
    static final double WARMUP_GAIN = 0.03;
    /** A small learning rate, so that thousands of steps on one batch stay finite. */
    private static final float BENCH_LR = 1e-4f;
    /** The convergence test stops being waited for after this long (a big model's steps take seconds). */
    static final double WARMUP_CAP_SECONDS = 30;

    /**
     * At least --bench-warmup steps and --bench-warmup-seconds of them, then on until the step
     * time stops improving: the last {@value #WARMUP_WINDOW} steps no more than 3% faster than
     * the {@value #WARMUP_WINDOW} before them (the JIT has finished with the step), or 30 s in
     * all. With two cores the compiler threads compete with the step, and a small model was
     * measured still compiling after 5 s. Returns how many steps ran.
     */
    private int warmUp(Backend be, TrainStep step, int[] in, int[] tg) {
        long t0 = System.nanoTime(), floor = (long) (benchWarmupSeconds * 1e9);
        long cap = Math.max(floor, (long) (WARMUP_CAP_SECONDS * 1e9));
        java.util.List<Long> times = new java.util.ArrayList<>();
        while (true) {
            long s0 = System.nanoTime();
            step.run(in, tg, BENCH_LR);
            be.synchronize();
            long now = System.nanoTime();
            times.add(now - s0);
            if (times.size() < benchWarmup || now - t0 < floor) continue;
            if (floor == 0 || now - t0 >= cap || converged(times)) return times.size();
        }
    }

    /** True once the last window of step times is not {@link #WARMUP_GAIN} faster than the one before it. */
    static boolean converged(java.util.List<Long> times) {
        int n = times.size();
        if (n < 2 * WARMUP_WINDOW) return false;
        double recent = 0, before = 0;
        for (int i = 0; i < WARMUP_WINDOW; i++) {
            recent += times.get(n - 1 - i);
            before += times.get(n - 1 - WARMUP_WINDOW - i);
        }
        return recent >= (1 - WARMUP_GAIN) * before;
    }

    /** GFLOP/s of the backend's own product on a square problem: the ceiling MFU is measured against. */
    static double measurePeak(Backend be, int size) {
        Tensor a = be.allocate((long) size * size).all(), b = be.allocate((long) size * size).all(), c = be.allocate((long) size * size).all();
        float[] h = new float[size * size];
        Rng rng = new Rng(1);
        for (int i = 0; i < h.length; i++) h[i] = (float) rng.nextGaussian();
        be.upload(a, h);
        be.upload(b, h);
        // two untimed products (JIT, caches, clocks), then the best of eight: on a shared VM a
        // single timing can land in a slow moment and would put MFU above 100%
        for (int r = 0; r < 2; r++) be.gemm(false, false, size, size, size, 1f, a, size, b, size, 0f, c, size);
        be.synchronize();
        double best = 0;
        for (int r = 0; r < 8; r++) {
            long t0 = System.nanoTime();
            be.gemm(false, false, size, size, size, 1f, a, size, b, size, 0f, c, size);
            be.synchronize();
            double s = (System.nanoTime() - t0) / 1e9;
            best = Math.max(best, 2.0 * size * size * size / s / 1e9);
        }
        return best;
    }

    /**
     * Vendor datasheet peaks (dense, no sparsity) for the GPUs we have measured on, in GFLOP/s;
     * NaN for others. MFU against these is comparable across implementations, unlike a peak we
     * time ourselves with our own kernel.
     */
    static double publishedPeakGflops(String deviceName, spikelab.backend.Precision precision) {
        String n = deviceName.toUpperCase(java.util.Locale.ROOT);
        if (n.contains("H100") || n.contains("H200")) {
            return switch (precision) { case FP32 -> 66_900; case TF32 -> 494_700; case BF16, BF16_AUTOCAST -> 989_400; };
        }
        if (n.contains("A100")) {
            return switch (precision) { case FP32 -> 19_500; case TF32 -> 156_000; case BF16, BF16_AUTOCAST -> 312_000; };
        }
        return Double.NaN;
    }

    private static String peakName(spikelab.backend.Precision precision) {
        return switch (precision) { case FP32 -> "fp32"; case TF32 -> "TF32 dense"; case BF16, BF16_AUTOCAST -> "bf16 dense"; };
    }

    private static long peakHeapMb() {
        long peak = 0;
        for (java.lang.management.MemoryPoolMXBean p : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == java.lang.management.MemoryType.HEAP && p.getPeakUsage() != null) peak += p.getPeakUsage().getUsed();
        }
        return peak >> 20;
    }
}
