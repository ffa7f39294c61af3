package spikelab.train;

import java.nio.file.Path;

import com.google.gson.JsonObject;
import picocli.CommandLine.Option;
import spikelab.run.UserError;
import spikelab.backend.Precision;
import spikelab.model.Activation;
import spikelab.model.ModelConfig;
import spikelab.model.Norm;
import spikelab.run.Json;

/**
 * Everything a training run needs, as picocli options shared by {@code train}, {@code bench}
 * and {@code sweep}. Defaults are the DESIGN §5 reference model with a short warm-up + cosine
 * schedule.
 */
public class TrainOptions {
    // ---- data ----
    @Option(names = "--data", paramLabel = "NAME|FILE|DIR|GLOB", defaultValue = "tinyshakespeare",
            description = {"tinyshakespeare (built in, the default), synthetic (built in, generated from --data-seed), "
                    + "a UTF-8 text file (last 10%% held out), or llm.c token shards: a .bin file, a directory of .bin files "
                    + "or a glob such as 'dir/*.bin'. Of several shards, those with 'val' in the name are the validation "
                    + "split; without one (or for a single shard) the last 10%% of the tokens are held out."})
    public String data = "tinyshakespeare";
    @Option(paramLabel = "char|byte|gpt2|FILE.json", names = "--tokenizer", defaultValue = "auto",
            description = "char, byte, gpt2 (GPT-2's BPE, V=50,257) or a Hugging Face tokenizer.json; "
                    + "auto = char for text, gpt2 for shards, which must be read with the tokenizer they were written with (default: ${DEFAULT-VALUE})")
    public String tokenizer = "auto";
    @Option(paramLabel = "N", names = "--data-seed", description = "seed of the synthetic corpus, and of the held-out batches (default: 1)", defaultValue = "1")
    public long dataSeed = 1;

    // ---- model ----
    @Option(paramLabel = "NAME", names = "--activation", defaultValue = "gelu",
            description = "FFN activation: relu, gelu, swiglu, geglu, reglu, glu, bilinear (default: ${DEFAULT-VALUE})")
    public String activation = "gelu";
    @Option(paramLabel = "pre|post", names = "--norm", defaultValue = "pre", description = "pre or post LayerNorm (default: ${DEFAULT-VALUE})")
    public String norm = "pre";
    @Option(paramLabel = "N", names = "--layers", defaultValue = "4", description = "transformer blocks (default: ${DEFAULT-VALUE})")
    public int layers = 4;
    @Option(paramLabel = "N", names = "--d-model", defaultValue = "128", description = "model width C (default: ${DEFAULT-VALUE})")
    public int dModel = 128;
    @Option(paramLabel = "N", names = "--heads", defaultValue = "4", description = "attention heads, must divide d-model (default: ${DEFAULT-VALUE})")
    public int heads = 4;
    @Option(paramLabel = "N", names = "--context", defaultValue = "128", description = "context length T (default: ${DEFAULT-VALUE})")
    public int context = 128;
    @Option(names = "--tie-embeddings", description = "share the token embedding with the LM head")
    public boolean tieEmbeddings;
    @Option(names = "--no-scaled-init", negatable = false,
            description = "init the residual projections like every matrix (no 1/sqrt(2L) scaling)")
    public boolean noScaledInit;
    @Option(names = "--qk-norm", description = "LayerNorm of each head's query and key before Q·K^T (learned, not decayed)")
    public boolean qkNorm;
    @Option(paramLabel = "auto|N", names = "--ffn-hidden", defaultValue = "auto",
            description = "FFN hidden width: auto matches parameters across activations (4C plain, round(8C/3) gated), or N (default: ${DEFAULT-VALUE})")
    public String ffnHidden = "auto";

    // ---- optimisation ----
    @Option(paramLabel = "N", names = "--batch", defaultValue = "16", description = "sequences per step B (default: ${DEFAULT-VALUE})")
    public int batch = 16;
    @Option(paramLabel = "N", names = "--steps", defaultValue = "300", description = "training steps (default: ${DEFAULT-VALUE})")
    public int steps = 300;
    @Option(paramLabel = "LR", names = "--lr", defaultValue = "1e-3", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    public double lr = 1e-3;
    @Option(paramLabel = "LR", names = "--min-lr", defaultValue = "1e-4", description = "final learning rate of the cosine decay (default: ${DEFAULT-VALUE})")
    public double minLr = 1e-4;
    @Option(paramLabel = "N", names = "--warmup", defaultValue = "30", description = "linear warm-up steps (default: ${DEFAULT-VALUE})")
    public int warmup = 30;
    @Option(paramLabel = "X", names = "--weight-decay", defaultValue = "0.1", description = "AdamW decoupled weight decay on matrices (default: ${DEFAULT-VALUE})")
    public double weightDecay = 0.1;
    @Option(paramLabel = "X", names = "--beta1", defaultValue = "0.9", description = "AdamW beta1 (default: ${DEFAULT-VALUE})")
    public double beta1 = 0.9;
    @Option(paramLabel = "X", names = "--beta2", defaultValue = "0.95", description = "AdamW beta2 (default: ${DEFAULT-VALUE})")
    public double beta2 = 0.95;
    @Option(paramLabel = "X", names = "--clip", defaultValue = "1.0", description = "clip the global gradient norm to this; 0 turns clipping off (default: ${DEFAULT-VALUE})")
    public double clip = 1.0;
    @Option(paramLabel = "X", names = "--z-loss", defaultValue = "0", description = "z-loss coefficient on log^2 Z of the output logits, e.g. 1e-4 (default: off)")
    public double zLoss = 0;
    @Option(paramLabel = "N", names = "--seed", defaultValue = "1337", description = "seed for initialisation and batch order (default: ${DEFAULT-VALUE})")
    public long seed = 1337;

    // ---- machine ----
    @Option(paramLabel = "cpu|cuda|cuda:N|auto", names = "--device", defaultValue = "auto", description = "cpu, cuda (GPU 0), cuda:N (GPU N) or auto (default: ${DEFAULT-VALUE})")
    public String device = "auto";
    @Option(paramLabel = "N", names = "--threads", description = "CPU threads (default: all cores)")
    public Integer threads;
    @Option(paramLabel = "fp32|tf32|bf16|bf16-autocast", names = "--precision", defaultValue = "fp32",
            description = "matrix products: fp32; tf32 (CUDA tensor cores); bf16 (mixed precision: bf16 inputs, fp32 sums, "
                    + "fp32 weights and optimizer; tensor cores on CUDA, emulated exactly on the CPU); bf16-autocast "
                    + "(bf16, and every product's output and the FFN activation rounded to bf16 too, as PyTorch's "
                    + "autocast does; CPU only) (default: ${DEFAULT-VALUE})")
    public String precision = "fp32";
    @Option(names = "--tf32", description = "same as --precision tf32")
    public boolean tf32;
    @Option(names = "--cuda-graphs", description = "on a GPU, record the training step once as a CUDA graph and replay it "
            + "(same results to the bit; fewer launches, for small models)")
    public boolean cudaGraphs;

    // ---- measurement ----
    @Option(paramLabel = "N", names = "--eval-every", defaultValue = "50", description = "validation every N steps, and at the end (default: ${DEFAULT-VALUE})")
    public int evalEvery = 50;
    @Option(paramLabel = "N", names = "--eval-batches", defaultValue = "8", description = "validation batches per evaluation (default: ${DEFAULT-VALUE})")
    public int evalBatches = 8;
    @Option(paramLabel = "N", names = "--probe-every", defaultValue = "50", description = "dead-unit probe every N steps, and at the end (default: ${DEFAULT-VALUE})")
    public int probeEvery = 50;
    @Option(paramLabel = "N", names = "--spike-window", defaultValue = "100", description = "loss-spike rolling window W (default: ${DEFAULT-VALUE})")
    public int spikeWindow = 100;
    @Option(paramLabel = "X", names = "--spike-threshold", defaultValue = "6", description = "loss-spike threshold k in sigmas (default: ${DEFAULT-VALUE})")
    public double spikeThreshold = 6;
    @Option(paramLabel = "NAME", names = "--spike-preset", description = "named spike settings: olmo2 (W=1000, k=7)")
    public String spikePreset;
    @Option(paramLabel = "X", names = "--explosion-factor", defaultValue = "10", description = "gradient explosion: norm above this times the rolling median (default: ${DEFAULT-VALUE})")
    public double explosionFactor = 10;
    @Option(names = "--continue-on-divergence", description = "keep training after divergence instead of stopping")
    public boolean continueOnDivergence;
    @Option(paramLabel = "K", names = "--diverge-patience", defaultValue = "10",
            description = "diverged: a non-finite loss, or the loss above ln(V)+1 for K steps in a row after warm-up (default: ${DEFAULT-VALUE})")
    public int divergePatience = 10;
    @Option(paramLabel = "NATS", names = "--stall-margin", defaultValue = "0.1",
            description = "stalled: final val loss within this many nats of the training tokens' unigram entropy (default: ${DEFAULT-VALUE})")
    public double stallMargin = 0.1;
    @Option(paramLabel = "robust|meanstd", names = "--spike-rule", defaultValue = "robust",
            description = "spike rule: robust (median+MAD of residuals from a 9-step median trend) or meanstd (DESIGN mean+k*std); --spike-preset olmo2 implies meanstd (default: ${DEFAULT-VALUE})")
    public String spikeRule = "robust";

    // ---- output ----
    @Option(names = "--out", paramLabel = "DIR", description = "run directory (default: runs/<generated name>)")
    public Path out;
    @Option(names = "--no-progress", description = "plain log lines even on a terminal")
    public boolean noProgress;
    @Option(paramLabel = "N", names = "--log-every", defaultValue = "10", description = "log a line every N steps when not showing a progress bar (default: ${DEFAULT-VALUE})")
    public int logEvery = 10;

    // ---- checkpoints (see Checkpointing) ----
    @Option(paramLabel = "N", names = "--checkpoint-every", defaultValue = "0",
            description = "also checkpoint every N steps; a checkpoint is always written where the run stops (default: only then)")
    public int checkpointEvery = 0;
    @Option(paramLabel = "DIR", names = "--resume", description = "continue the run in DIR from its checkpoint, with its own configuration")
    public Path resume;
    @Option(paramLabel = "N", names = "--stop-after", description = "stop at step N as an interruption would (the schedule stays planned for --steps)")
    public Integer stopAfter;

    /** The command this mixin belongs to, to tell which options were given (null when built in code). */
    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    /** Whether option {@code name} was given on the command line. */
    public boolean given(String name) {
        return mixee != null && mixee.commandLine() != null && mixee.commandLine().getParseResult() != null
                && mixee.commandLine().getParseResult().hasMatchedOption(name);
    }

    public Activation activation() {
        try {
            return Activation.parse(activation);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    public Norm norm() {
        try {
            return Norm.parse(norm);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** The --ffn-hidden width, 0 for auto; a {@link UserError} for anything but auto or a positive integer. */
    public int ffnHidden() {
        String s = ffnHidden == null ? "" : ffnHidden.trim();
        if (s.equalsIgnoreCase("auto")) return 0;
        try {
            int n = Integer.parseInt(s);
            if (n > 0) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UserError("--ffn-hidden must be auto or a positive integer, got '" + ffnHidden + "': use e.g. --ffn-hidden auto");
    }

    /** --precision, with --tf32 as its alias; throws {@link UserError} on an unknown name or a contradiction. */
    public Precision precision() {
        Precision p;
        try {
            p = Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new UserError("--precision: " + e.getMessage() + " (e.g. --precision bf16)");
        }
        if (tf32 && p.bf16Inputs()) {
            throw new UserError("--tf32 and --precision " + p.cliName() + " contradict each other: drop --tf32");
        }
        return tf32 ? Precision.TF32 : p;
    }

    public int threads() {
        return threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    }

    /** Checks every number; throws {@link UserError} naming the option and a fix. */
    public void validate() {
        activation();
        precision();
        norm();
        ffnHidden();
        positive("--layers", layers);
        positive("--d-model", dModel);
        positive("--heads", heads);
        positive("--context", context);
        positive("--batch", batch);
        positive("--steps", steps);
        positive("--eval-batches", evalBatches);
        positive("--eval-every", evalEvery);
        positive("--probe-every", probeEvery);
        positive("--spike-window", spikeWindow);
        positive("--log-every", logEvery);
        if (checkpointEvery < 0) throw new UserError("--checkpoint-every must be 0 (only at the end) or positive, got " + checkpointEvery);
        if (stopAfter != null && stopAfter < 1) throw new UserError("--stop-after must be positive, got " + stopAfter);
        if (cudaGraphs && device.equals("cpu")) {
            throw new UserError("--cuda-graphs records GPU work and this run is on the CPU: drop it, or use --device cuda");
        }
        if (threads != null && threads < 1) throw new UserError("--threads must be at least 1, got " + threads);
        if (dModel % heads != 0) {
            throw new UserError("--d-model " + dModel + " is not divisible by --heads " + heads
                    + ": choose heads that divide d-model (e.g. --heads " + (dModel % 4 == 0 ? 4 : 1) + ")");
        }
        if (!Double.isFinite(lr) || lr <= 0) throw new UserError("--lr must be a positive finite number, got " + lr + ": use e.g. --lr 1e-3");
        if (!Double.isFinite(minLr) || minLr < 0 || minLr > lr) {
            throw new UserError("--min-lr must be between 0 and --lr (" + lr + "), got " + minLr);
        }
        if (warmup < 0) throw new UserError("--warmup must be 0 or more, got " + warmup);
        if (!Double.isFinite(weightDecay) || weightDecay < 0) throw new UserError("--weight-decay must be 0 or more, got " + weightDecay);
        if (!Double.isFinite(clip) || clip < 0) throw new UserError("--clip must be 0 (off) or positive, got " + clip);
        if (!Double.isFinite(zLoss) || zLoss < 0) throw new UserError("--z-loss must be 0 (off) or positive, got " + zLoss);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new UserError("--beta1 and --beta2 must be in [0, 1), got " + beta1 + " and " + beta2);
        }
        if (!Double.isFinite(spikeThreshold) || spikeThreshold <= 0) throw new UserError("--spike-threshold must be positive, got " + spikeThreshold);
        if (!Double.isFinite(explosionFactor) || explosionFactor <= 1) throw new UserError("--explosion-factor must be above 1, got " + explosionFactor);
        if (divergePatience < 1) throw new UserError("--diverge-patience must be at least 1 step, got " + divergePatience + ": use e.g. --diverge-patience 10");
        if (!Double.isFinite(stallMargin) || stallMargin < 0) throw new UserError("--stall-margin must be 0 or more nats, got " + stallMargin + ": use e.g. --stall-margin 0.1");
        if (!spikeRule.equals("robust") && !spikeRule.equals("meanstd")) {
            throw new UserError("unknown --spike-rule '" + spikeRule + "': use robust or meanstd");
        }
        if (spikePreset != null) {
            if (!spikePreset.equalsIgnoreCase("olmo2")) throw new UserError("unknown --spike-preset '" + spikePreset + "': use olmo2");
            spikeWindow = spikelab.stability.SpikeDetector.OLMO2_WINDOW;
            spikeThreshold = spikelab.stability.SpikeDetector.OLMO2_THRESHOLD;
            // OLMo 2's score is mean + k*std over the last 1000 values: keep that rule unless told otherwise
            if (!given("--spike-rule")) spikeRule = "meanstd";
        }
        try {
            spikelab.data.Tokenizers.checkName(tokenizer);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (!device.equals("cpu") && !device.equals("auto") && Devices.cudaOrdinal(device) < 0) {
            throw new UserError(Devices.unknownDevice(device));
        }
    }

    private static void positive(String name, int v) {
        if (v <= 0) throw new UserError(name + " must be positive, got " + v);
    }

    public ModelConfig modelConfig(int vocabSize) {
        try {
            return ModelConfig.builder().vocabSize(vocabSize).dModel(dModel).heads(heads).layers(layers)
                    .context(context).activation(activation()).norm(norm()).tieEmbeddings(tieEmbeddings)
                    .scaledInit(!noScaledInit).qkNorm(qkNorm).ffnHidden(ffnHidden()).build();
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** A built-in corpus by its name, a file, directory or glob by its absolute path (config.json). */
    static String corpusName(String data) {
        if (data == null || data.equals(spikelab.data.Datasets.TINYSHAKESPEARE) || data.equals(spikelab.data.Datasets.SYNTHETIC)) return data;
        try {
            return Path.of(data).toAbsolutePath().toString();
        } catch (java.nio.file.InvalidPathException e) {
            return data;
        }
    }

    /** The default run name: what varies in studies, then the time. */
    public String defaultName() {
        String time = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return activation + "-" + norm + (qkNorm ? "-qk" : "") + "-L" + layers + "-d" + dModel + "-lr" + lr + "-s" + seed + "-" + time;
    }

    /** config.json: every option, snake_case. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("data", corpusName(data));
        o.addProperty("data_seed", dataSeed);
        o.addProperty("tokenizer", spikelab.data.Tokenizers.isFile(tokenizer) ? corpusName(tokenizer) : tokenizer);
        o.addProperty("activation", activation().cliName());
        o.addProperty("norm", norm().cliName());
        o.addProperty("layers", layers);
        o.addProperty("d_model", dModel);
        o.addProperty("heads", heads);
        o.addProperty("context", context);
        o.addProperty("tie_embeddings", tieEmbeddings);
        o.addProperty("scaled_init", !noScaledInit);
        o.addProperty("qk_norm", qkNorm);
        int h = ffnHidden();
        o.addProperty("ffn_hidden", h == 0 ? "auto" : Integer.toString(h));   // the width in use is config.json's "hidden"
        o.addProperty("batch", batch);
        o.addProperty("steps", steps);
        Json.put(o, "lr", lr);
        Json.put(o, "min_lr", minLr);
        o.addProperty("warmup", warmup);
        Json.put(o, "weight_decay", weightDecay);
        Json.put(o, "beta1", beta1);
        Json.put(o, "beta2", beta2);
        Json.put(o, "clip", clip);
        Json.put(o, "z_loss", zLoss);
        o.addProperty("seed", seed);
        o.addProperty("device", device);
        o.addProperty("threads", threads());
        o.addProperty("tf32", tf32);
        o.addProperty("precision", precision().cliName());
        o.addProperty("cuda_graphs", cudaGraphs);
        o.addProperty("eval_every", evalEvery);
        o.addProperty("eval_batches", evalBatches);
        o.addProperty("probe_every", probeEvery);
        o.addProperty("spike_window", spikeWindow);
        Json.put(o, "spike_threshold", spikeThreshold);
        Json.put(o, "explosion_factor", explosionFactor);
        o.addProperty("continue_on_divergence", continueOnDivergence);
        o.addProperty("diverge_patience", divergePatience);
        Json.put(o, "stall_margin", stallMargin);
        o.addProperty("spike_rule", spikeRule);
        o.addProperty("checkpoint_every", checkpointEvery);
        return o;
    }
}
