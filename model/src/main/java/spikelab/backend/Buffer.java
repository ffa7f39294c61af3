package spikelab.backend;

/** Backend-owned storage of float32 (or int32 for {@link IntBuffer}) elements. */
public interface Buffer {
    /** Capacity in elements. */
    long length();

    /** The whole buffer as a 1-D tensor. */
    default Tensor all() {
        return new Tensor(this, 0, new ai.djl.ndarray.types.Shape(length()));
    }
}
