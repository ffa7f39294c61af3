package spikelab.backend;

/**
 * A few float64 values in backend memory. A training step keeps its host-side inputs (learning
 * rate, Adam's bias corrections) and its results (loss and gradient sums, the clipping scale)
 * here, so that the whole step runs without a host round trip and is read back once at its end;
 * on CUDA that is what lets a step be recorded as one graph and replayed.
 */
public interface Scalars {
    /** Number of values. */
    int length();
}
