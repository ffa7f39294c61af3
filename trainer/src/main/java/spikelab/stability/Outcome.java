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
}
