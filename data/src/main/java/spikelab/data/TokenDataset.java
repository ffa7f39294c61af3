package spikelab.data;

import java.util.Objects;

/**
 * A tokenized corpus split into a training and a validation part. The sources are shared, not
 * copied (a corpus can be millions of tokens, or shards mapped from disk).
 */
public final class TokenDataset {
    private final TokenSource train;
    private final TokenSource val;
    private final Tokenizer tokenizer;
    private final String description;
    private final double entropyFloorNats;

    public TokenDataset(int[] train, int[] val, Tokenizer tokenizer, String description, double entropyFloorNats) {
        this(TokenSource.of(Objects.requireNonNull(train, "train")), TokenSource.of(Objects.requireNonNull(val, "val")),
                tokenizer, description, entropyFloorNats);
    }

    public TokenDataset(TokenSource train, TokenSource val, Tokenizer tokenizer, String description, double entropyFloorNats) {
        this.train = Objects.requireNonNull(train, "train");
        this.val = Objects.requireNonNull(val, "val");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.description = Objects.requireNonNull(description, "description");
        this.entropyFloorNats = entropyFloorNats;
    }

    public TokenSource train() { return train; }
    public TokenSource val() { return val; }
    public Tokenizer tokenizer() { return tokenizer; }

    /** One line for logs and reports, e.g. "built-in corpus (seed 1, 1,000,000 chars, V=46, ...)". */
    public String description() { return description; }

    /** The lowest achievable mean loss per token, in nats; NaN when unknown (any text file). */
    public double entropyFloorNats() { return entropyFloorNats; }

    /**
     * Entropy of the token frequencies of the training split, in nats: the loss of the best model
     * that ignores context, H = −Σ p_i ln p_i over the tokenizer's vocabulary.
     */
    public double unigramEntropyNats() {
        long[] counts = new long[tokenizer.vocabSize()];
        int[] buf = new int[1 << 16];
        long n = train.size();
        for (long at = 0; at < n; at += buf.length) {
            int k = (int) Math.min(buf.length, n - at);
            train.read(at, buf, 0, k);
            for (int i = 0; i < k; i++) counts[buf[i]]++;
        }
        double h = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / n;
                h -= p * Math.log(p);
            }
        }
        return h;
    }

    /**
     * Checks that both splits hold at least one window of {@code context} inputs plus the target
     * after them, so that sampling and evaluation cannot fail later.
     */
    public void requireContext(int context) {
        if (context < 1) {
            throw new IllegalArgumentException("context must be at least 1, got " + context + ": pass a positive --context");
        }
        requireSplit("training", train.size(), context);
        requireSplit("validation", val.size(), context);
    }

    static void requireSplit(String split, long tokens, int context) {
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
