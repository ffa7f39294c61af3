package spikelab.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Fixed batches from held-out tokens: the same every call for the same arguments, so validation
 * losses of one run (and of runs sharing the seed) are measured on exactly the same text.
 */
public final class EvalBatches {
    static final long STREAM = 0xE7A1L;

    /** One batch: row-major [B, T] inputs and their next-token targets. */
    public static final class Batch {
        private final int[] inputs;
        private final int[] targets;

        Batch(int[] inputs, int[] targets) {
            this.inputs = inputs;
            this.targets = targets;
        }

        /** Shared, not copied: do not modify. */
        public int[] inputs() { return inputs; }
        public int[] targets() { return targets; }
    }

    private EvalBatches() {}

    /**
     * {@code count} batches of windows at random offsets of {@code tokens}, drawn from a stream of
     * {@code seed} separate from the training sampler's. Pass a seed that does not change between
     * runs you compare (e.g. a fixed one) to evaluate every run on the same text.
     */
    public static List<Batch> fixed(int[] tokens, int batch, int context, int count, long seed) {
        return fixed(TokenSource.of(Objects.requireNonNull(tokens, "tokens")), batch, context, count, seed);
    }

    public static List<Batch> fixed(TokenSource tokens, int batch, int context, int count, long seed) {
        Objects.requireNonNull(tokens, "tokens");
        BatchSampler.checkShape(tokens.size(), batch, context);
        if (count < 1) {
            throw new IllegalArgumentException("number of evaluation batches must be at least 1, got " + count
                    + ": pass a positive --eval-batches");
        }
        Rng rng = Rng.derived(seed, STREAM);
        long starts = tokens.size() - context;
        int[] window = new int[context + 1];
        List<Batch> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int[] in = new int[batch * context];
            int[] tg = new int[batch * context];
            for (int b = 0; b < batch; b++) BatchSampler.copyWindow(tokens, rng.nextLong(starts), context, in, tg, b * context, window);
            out.add(new Batch(in, tg));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The probe batch for activation statistics: B windows spread evenly over {@code tokens}, first
     * at its start, last at its end, so the probe sees as varied held-out text as one batch can.
     */
    public static Batch probe(int[] tokens, int batch, int context) {
        return probe(TokenSource.of(Objects.requireNonNull(tokens, "tokens")), batch, context);
    }

    public static Batch probe(TokenSource tokens, int batch, int context) {
        Objects.requireNonNull(tokens, "tokens");
        BatchSampler.checkShape(tokens.size(), batch, context);
        long last = tokens.size() - context - 1;
        int[] window = new int[context + 1];
        int[] in = new int[batch * context];
        int[] tg = new int[batch * context];
        for (int b = 0; b < batch; b++) {
            long start = batch == 1 ? 0 : b * last / (batch - 1);
            BatchSampler.copyWindow(tokens, start, context, in, tg, b * context, window);
        }
        return new Batch(in, tg);
    }
}
