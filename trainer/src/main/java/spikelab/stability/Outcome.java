package spikelab.stability;

/**
 * The one-word outcome of a run (summary.json {@code outcome}, DESIGN §3): {@code diverged}
 * when the divergence rule fired, {@code interrupted} when the run stopped before its planned
 * steps without diverging (a resumed run gets its outcome when it finishes), {@code stalled}
 * when its final validation loss is still within {@code margin} nats of the training tokens'
 * unigram entropy — it learned nothing a token-frequency table does not know — and
 * {@code ok} otherwise.
 */
public final class Outcome {
    public static final String OK = "ok", DIVERGED = "diverged", STALLED = "stalled", INTERRUPTED = "interrupted";
    /**
     * 0.1 nats: a bigram table alone gains far more than that over the unigram entropy on text
     * (0.86 nats on the tinyshakespeare training split, char tokens), so a model that has used
     * any context is well below the line, while one stuck at token frequencies sits at or above it.
     */
    public static final double DEFAULT_STALL_MARGIN = 0.1;

    private Outcome() {}

    /**
     * @param stepsCompleted steps run; stalling is judged only when some came after warm-up
     * @param finalValLoss   validation loss at the last step
     * @param unigramEntropy entropy of the training tokens' unigram distribution, in nats
     */
    public static String of(boolean diverged, boolean interrupted, int stepsCompleted, int warmup,
                            double finalValLoss, double unigramEntropy, double margin) {
        if (diverged) return DIVERGED;
        if (interrupted) return INTERRUPTED;
        // a NaN validation loss would be divergence; !(a < b) keeps NaN out of "ok" anyway
        if (stepsCompleted > warmup && !(finalValLoss < unigramEntropy - margin)) return STALLED;
        return OK;
    }

    /**
     * H = −Σ p_v ln p_v over the token frequencies p_v of {@code tokens}, in nats. Summed in
     * vocabulary order so the same tokens always give the same bits.
     */
    public static double unigramEntropy(int[] tokens, int vocabSize) {
        if (tokens.length == 0) throw new IllegalArgumentException("no training tokens to measure the unigram entropy of");
        long[] counts = new long[vocabSize];
        for (int t : tokens) {
            if (t < 0 || t >= vocabSize) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary of " + vocabSize);
            counts[t]++;
        }
        double n = tokens.length, h = 0;
        for (long c : counts) {
            if (c == 0) continue;
            double p = c / n;
            h -= p * Math.log(p);
        }
        return h;
    }
}
