package spikelab.data;

import java.util.Objects;

/**
 * A tokenized corpus split into a training and a validation part. The arrays are shared, not
 * copied (a corpus can be millions of tokens): callers must not modify them.
 */
public final class TokenDataset {
    private final int[] train;
    private final int[] val;
    private final Tokenizer tokenizer;
    private final String description;
    private final double entropyFloorNats;

    public TokenDataset(int[] train, int[] val, Tokenizer tokenizer, String description, double entropyFloorNats) {
        this.train = Objects.requireNonNull(train, "train");
        this.val = Objects.requireNonNull(val, "val");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.description = Objects.requireNonNull(description, "description");
        this.entropyFloorNats = entropyFloorNats;
    }

    public int[] train() { return train; }
    public int[] val() { return val; }
    public Tokenizer tokenizer() { return tokenizer; }

    /** One line for logs and reports, e.g. "built-in corpus (seed 1, 1,000,000 chars, V=46, ...)". */
    public String description() { return description; }

    /** The lowest achievable mean loss per token, in nats; NaN when unknown (any text file). */
    public double entropyFloorNats() { return entropyFloorNats; }

    /**
     * Checks that both splits hold at least one window of {@code context} inputs plus the target
     * after them, so that sampling and evaluation cannot fail later.
     */
    public void requireContext(int context) {
        if (context < 1) {
            throw new IllegalArgumentException("context must be at least 1, got " + context + ": pass a positive --context");
        }
        requireSplit("training", train.length, context);
        requireSplit("validation", val.length, context);
    }

    static void requireSplit(String split, int tokens, int context) {
        if (tokens < context) {
            throw new IllegalArgumentException("context " + context + " is longer than the " + split + " split ("
                    + tokens + " tokens): use a smaller --context or a larger data file");
        }
        if (tokens == context) {
            throw new IllegalArgumentException("context " + context + " is as long as the " + split + " split ("
                    + tokens + " tokens), which needs one more token for the last target: "
                    + "use a smaller --context or a larger data file");
        }
    }

    @Override
    public String toString() { return description; }
}
