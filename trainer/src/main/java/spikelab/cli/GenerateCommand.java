package spikelab.cli;

import spikelab.run.UserError;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import spikelab.backend.Backend;
import spikelab.data.Tokenizer;
import spikelab.data.Tokenizers;
import spikelab.io.SafeTensors;
import spikelab.model.Rng;
import spikelab.model.Transformer;
import spikelab.train.Checkpoint;
import spikelab.train.Devices;

/**
 * {@code spikelab generate}: samples text from a checkpoint. The checkpoint carries its model
 * config and tokenizer, so nothing else is needed. The same seed gives the same text.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Sample text from a model.safetensors written by spikelab train.")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE",
            description = "model.safetensors, or the run directory holding it")
    Path checkpoint;
    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "text to continue (at least one character)")
    String prompt;
    @Option(names = "--tokens", defaultValue = "200", paramLabel = "N", description = "tokens to generate (default: ${DEFAULT-VALUE})")
    int tokens = 200;
    @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T",
            description = "softmax temperature; 0 always takes the most likely token (default: ${DEFAULT-VALUE})")
    double temperature = 1.0;
    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K",
            description = "sample among the K most likely tokens only; 0 = all (default: ${DEFAULT-VALUE})")
    int topK = 0;
    @Option(names = "--seed", defaultValue = "1337", paramLabel = "N", description = "sampling seed (default: ${DEFAULT-VALUE})")
    long seed = 1337;
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda|auto", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE})")
    String device = "cpu";
    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores)")
    Integer threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        out.println(prompt + generate());
        out.flush();
        return 0;
    }

    private void validate() {
        if (tokens < 0) throw new UserError("--tokens must be 0 or more, got " + tokens);
        if (!Double.isFinite(temperature) || temperature < 0) {
            throw new UserError("--temperature must be 0 (greedy) or positive, got " + temperature);
        }
        if (topK < 0) throw new UserError("--top-k must be 0 (all tokens) or positive, got " + topK);
        if (prompt.isEmpty()) throw new UserError("--prompt must hold at least one character to continue from");
        if (threads != null && threads < 1) throw new UserError("--threads must be at least 1, got " + threads);
    }

    /** The generated continuation (without the prompt). */
    String generate() {
        try (SafeTensors st = Checkpoint.openModel(checkpoint)) {
            Checkpoint.Meta meta = Checkpoint.meta(st);
            Tokenizer tok;
            int[] ids;
            try {
                tok = Tokenizers.fromSpec(meta.tokenizerSpec());
                ids = tok.encode(prompt);
            } catch (IllegalArgumentException e) {
                throw new UserError("--prompt: " + e.getMessage());
            }
            if (tok.vocabSize() != meta.config().vocabSize()) {
                throw new UserError(st.label() + ": its tokenizer has " + tok.vocabSize() + " symbols but the model "
                        + meta.config().vocabSize() + ": the file is corrupt");
            }
            int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            try (Backend be = Devices.open(device, nThreads, spikelab.backend.Precision.FP32)) {
                Transformer model = new Transformer(be, meta.config(), 1, 0);
                Checkpoint.loadWeights(st, model);
                return tok.decode(sample(model, ids, tokens, temperature, topK, seed));
            }
        }
    }

    /**
     * Extends {@code prompt} by {@code n} tokens. The model always sees a full window of T
     * positions; causal attention makes the logits at the last real position independent of the
     * padding after it, so the window holds the last min(len, T) tokens from position 0.
     */
    static int[] sample(Transformer model, int[] prompt, int n, double temperature, int topK, long seed) {
        int t = model.config().context(), v = model.config().vocabSize();
        Backend be = model.backend();
        List<Integer> ids = new ArrayList<>();
        for (int id : prompt) ids.add(id);
        int[] window = new int[t], targets = new int[t];
        float[] logits = new float[t * v];
        Rng rng = new Rng(seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int len = Math.min(ids.size(), t);
            Arrays.fill(window, 0);
            for (int j = 0; j < len; j++) window[j] = ids.get(ids.size() - len + j);
            model.setBatch(window, targets);
            model.forwardLogits();
            be.download(model.logits(), logits);
            int next = pick(logits, (len - 1) * v, v, temperature, topK, rng);
            out[i] = next;
            ids.add(next);
        }
        return out;
    }

    /**
     * One token from the logits row at {@code off}: the argmax for temperature 0, else a draw
     * from softmax(logits/T) restricted to the top-k (ties broken towards the lower id).
     */
    static int pick(float[] logits, int off, int v, double temperature, int topK, Rng rng) {
        for (int j = 0; j < v; j++) {
            if (!Float.isFinite(logits[off + j])) {
                throw new UserError("the model produces non-finite logits (it comes from a diverged run): "
                        + "generate from an earlier or a stable run's checkpoint");
            }
        }
        Integer[] order = new Integer[v];
        for (int j = 0; j < v; j++) order[j] = j;
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(logits[off + b], logits[off + a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        if (temperature == 0) return order[0];
        int k = topK == 0 ? v : Math.min(topK, v);
        double max = logits[off + order[0]];
        double[] p = new double[k];
        double sum = 0;
        for (int j = 0; j < k; j++) {
            p[j] = Math.exp((logits[off + order[j]] - max) / temperature);
            sum += p[j];
        }
        double u = rng.nextDouble() * sum, acc = 0;
        for (int j = 0; j < k - 1; j++) {
            acc += p[j];
            if (u < acc) return order[j];
        }
        return order[k - 1];
    }
}
