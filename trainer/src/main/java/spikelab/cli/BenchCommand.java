package spikelab.cli;

import spikelab.run.UserError;
import java.util.concurrent.Callable;

import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import spikelab.backend.Backend;
import spikelab.backend.Tensor;
import spikelab.data.TokenDataset;
import spikelab.model.ModelConfig;
import spikelab.model.Rng;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;
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

    @Option(names = "--vocab", defaultValue = "65", description = "vocabulary size of the random tokens (default: ${DEFAULT-VALUE}, tinyshakespeare's)")
    int vocab = 65;
    @Option(names = "--bench-steps", defaultValue = "10", description = "timed steps (default: ${DEFAULT-VALUE})")
    int benchSteps = 10;
    @Option(names = "--bench-warmup", defaultValue = "3", description = "untimed warm-up steps (default: ${DEFAULT-VALUE})")
    int benchWarmup = 3;
    @Option(names = "--peak-size", paramLabel = "N", description = "side of the square product that measures the peak "
            + "(default: 1024 on the CPU, 4096 on a GPU, which a 1024 product cannot fill)")
    Integer peakSize;
    @Option(names = "--json", description = "print one JSON object as the last line")
    boolean json;
    @Option(names = "--measurement-cost", description = "instead: time the stability measurements, the dead-unit "
            + "probe and validation against training steps on --data (default: tinyshakespeare)")
    boolean measurementCost;

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
        if (vocab < 2) throw new UserError("--vocab must be at least 2, got " + vocab);
        TokenDataset data = measurementCost ? DataLoading.load(options) : null;
        ModelConfig cfg = options.modelConfig(data != null ? data.tokenizer().vocabSize() : vocab);
        try (Backend be = Devices.open(options.device, options.threads(), options.tf32)) {
            Transformer model = new Transformer(be, cfg, options.batch, options.seed);
            AdamW adam = new AdamW(model, 0.9f, 0.95f, 1e-8f, 0.1f);
            int n = options.batch * options.context;
            int[] in = new int[n], tg = new int[n];
            Rng rng = new Rng(options.seed);
            for (int i = 0; i < n; i++) {
                in[i] = (int) (rng.nextDouble() * vocab);
                tg[i] = (int) (rng.nextDouble() * vocab);
            }
            if (measurementCost) {
                System.out.println(MeasurementCost.measure(model, adam, data, options.evalBatches,
                        options.dataSeed, benchSteps));
                return 0;
            }
            long[] lengths = {model.grads().size()};
            for (int i = 0; i < benchWarmup; i++) step(model, adam, in, tg, lengths);
            be.synchronize();
            long t0 = System.nanoTime();
            for (int i = 0; i < benchSteps; i++) step(model, adam, in, tg, lengths);
            be.synchronize();
            double seconds = (System.nanoTime() - t0) / 1e9;
            double tps = (double) benchSteps * n / seconds;
            double flopsPerToken = cfg.flopsPerToken();
            double achieved = tps * flopsPerToken / 1e9;
            boolean gpu = be.name().startsWith("cuda");
            int side = peakSize != null ? peakSize : gpu ? 4096 : 1024;
            double peak = measurePeak(be, side);
            double mfu = achieved / peak;
            double published = gpu ? publishedPeakGflops(be.name(), options.tf32) : Double.NaN;

            System.out.println("spikelab bench: " + cfg + ", B=" + options.batch);
            System.out.println("device:            " + be.name());
            System.out.printf("tokens/s:          %,.0f  (%.1f ms/step, %d timed steps after %d warm-up)%n", tps,
                    1e3 * seconds / benchSteps, benchSteps, benchWarmup);
            System.out.printf("model FLOPs:       %.2f MFLOP/token -> %.1f GFLOP/s achieved%n", flopsPerToken / 1e6, achieved);
            System.out.printf("matmul peak:       %.1f GFLOP/s (%d^3 product, measured now)%n", peak, side);
            System.out.printf("MFU:               %.1f%% of the measured peak%n", 100 * mfu);
            if (!Double.isNaN(published)) {
                System.out.printf("MFU (published):   %.1f%% of the GPU's published %s peak, %.0f TFLOP/s%n", 100 * achieved / published,
                        options.tf32 ? "TF32 dense" : "fp32", published / 1e3);
            }
            if (!gpu) {
                System.out.println("reference (DESIGN 5's 2-vCPU machine, reference model): PyTorch CPU ~5,900 tok/s (1 thread), "
                        + "~2,900 (2 threads); OpenBLAS sgemm ~70 GFLOP/s. On this machine: scripts/bench-vs-pytorch.sh");
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
                o.addProperty("threads", options.threads());
                o.addProperty("activation", cfg.activation().cliName());
                o.addProperty("layers", cfg.layers());
                o.addProperty("d_model", cfg.dModel());
                o.addProperty("heads", cfg.heads());
                o.addProperty("context", cfg.context());
                o.addProperty("batch", options.batch);
                o.addProperty("parameter_count", cfg.parameterCount());
                o.addProperty("peak_memory_mb", peakHeapMb());
                System.out.println(Json.GSON.toJson(o));
            }
        }
        return 0;
    }

    private static void step(Transformer model, AdamW adam, int[] in, int[] tg, long[] lengths) {
        model.setBatch(in, tg);
        model.zeroGrad();
        model.forward();
        model.backward();
        double norm = Math.sqrt(model.backend().sumSquares(model.grads(), lengths)[0]);
        adam.step(1e-4f, norm > 1 ? (float) (1 / norm) : 1f);
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
    static double publishedPeakGflops(String deviceName, boolean tf32) {
        String n = deviceName.toUpperCase(java.util.Locale.ROOT);
        if (n.contains("H100") || n.contains("H200")) return tf32 ? 494_700 : 66_900;
        if (n.contains("A100")) return tf32 ? 156_000 : 19_500;
        return Double.NaN;
    }

    private static long peakHeapMb() {
        long peak = 0;
        for (java.lang.management.MemoryPoolMXBean p : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == java.lang.management.MemoryType.HEAP && p.getPeakUsage() != null) peak += p.getPeakUsage().getUsed();
        }
        return peak >> 20;
    }
}
