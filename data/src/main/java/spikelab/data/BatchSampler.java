package spikelab.data;

import java.util.Objects;

/**
 * Training batches: B windows of T tokens from uniformly random start offsets, with next-token
 * targets. Its generator is its own and its state can be saved and restored, so a resumed run draws
 * exactly the batches an uninterrupted one would have.
 */
public final class BatchSampler {
    /** Keeps the batch stream independent of anything else seeded with the same run seed. */
    static final long STREAM = 0xBA7C4L;

    private final TokenSource tokens;
    private final int batch;
    private final int context;
    private final Rng rng;
    private final int[] window;

    public BatchSampler(int[] tokens, int batch, int context, long seed) {
        this(TokenSource.of(Objects.requireNonNull(tokens, "tokens")), batch, context, seed);
    }

    public BatchSampler(TokenSource tokens, int batch, int context, long seed) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        checkShape(tokens.size(), batch, context);
        this.batch = batch;
        this.context = context;
        this.rng = Rng.derived(seed, STREAM);
        this.window = new int[context + 1];
    }

    static void checkShape(long tokens, int batch, int context) {
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch + ": pass a positive --batch");
        if (context < 1) throw new IllegalArgumentException("context must be at least 1, got " + context + ": pass a positive --context");
        if (tokens <= context) {
            throw new IllegalArgumentException("context " + context + " needs at least " + (context + 1L)
                    + " tokens, but the split has " + tokens + ": use a smaller --context or a larger data file");
        }
        if ((long) batch * context > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch " + batch + " times context " + context
                    + " does not fit in one int array: use a smaller --batch or --context");
        }
    }

    public int batch() { return batch; }
    public int context() { return context; }

    /**
     * Fills {@code inputs} (row-major [B, T]) with the windows and {@code targets} with the token after
     * each input position: targets[b·T + t] = tokens[start_b + t + 1].
     */
    public void next(int[] inputs, int[] targets) {
        checkArrays(inputs, targets, batch, context);
        long starts = tokens.size() - context;   // start s needs tokens s .. s+T
        for (int b = 0; b < batch; b++) {
            copyWindow(tokens, rng.nextLong(starts), context, inputs, targets, b * context, window);
        }
    }

    /** Inputs tokens[start, start+T) and targets tokens[start+1, start+T+1) at row offset {@code at}. */
    static void copyWindow(TokenSource tokens, long start, int context, int[] inputs, int[] targets, int at, int[] window) {
        tokens.read(start, window, 0, context + 1);
        System.arraycopy(window, 0, inputs, at, context);
        System.arraycopy(window, 1, targets, at, context);
    }

    static void checkArrays(int[] inputs, int[] targets, int batch, int context) {
        int n = batch * context;
        if (inputs == null || inputs.length != n || targets == null || targets.length != n) {
            throw new IllegalArgumentException("inputs and targets must each hold batch x context = " + n
                    + " ints, got " + (inputs == null ? "null" : inputs.length) + " and "
                    + (targets == null ? "null" : targets.length));
        }
    }

    /** The generator state after the batches drawn so far (store it in a checkpoint). */
    public long[] state() { return rng.state(); }

    /** Continues from a {@link #state()}: the following batches are those that came after it. */
    public void restore(long[] state) { rng.restore(state); }
}
