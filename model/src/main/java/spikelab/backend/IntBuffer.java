package spikelab.backend;

/** Backend-owned int32 storage: token ids and targets. */
public interface IntBuffer {
    /** Capacity in elements. */
    int length();
}
