package spikelab.backend;

import ai.djl.ndarray.types.Shape;

/**
 * A float32 view into a backend-owned buffer: {@code size} elements starting at {@code offset}.
 *
 * <p>Parameters, gradients and optimizer moments each live in one contiguous buffer so that
 * AdamW, gradient norms and checkpoints are single passes; layers see them through views.
 * Tensors are immutable value handles; the storage they point at is not.
 */
public final class Tensor {
    private final Buffer buffer;
    private final long offset;
    private final Shape shape;
    private final long size;

    public Tensor(Buffer buffer, long offset, Shape shape) {
        this.buffer = buffer;
        this.offset = offset;
        this.shape = shape;
        this.size = shape.size();
        if (offset < 0 || offset + size > buffer.length()) {
            throw new IllegalArgumentException("view [" + offset + ", " + (offset + size)
                    + ") outside a buffer of " + buffer.length() + " floats");
        }
    }

    public Buffer buffer() { return buffer; }
    public long offset() { return offset; }
    public Shape shape() { return shape; }
    /** Number of elements. */
    public long size() { return size; }
    /** Size as an int, for the CPU backend whose arrays are int-indexed. */
    public int intSize() { return Math.toIntExact(size); }
    public int intOffset() { return Math.toIntExact(offset); }

    /** A sub-view of {@code shape.size()} elements starting {@code start} elements into this one. */
    public Tensor view(long start, Shape shape) {
        if (start < 0 || start + shape.size() > size) {
            throw new IllegalArgumentException("sub-view outside tensor of " + size + " elements");
        }
        return new Tensor(buffer, offset + start, shape);
    }

    /** A view of {@code n} contiguous elements starting {@code start} elements in. */
    public Tensor slice(long start, long n) {
        return view(start, new Shape(n));
    }

    @Override
    public String toString() {
        return "Tensor" + shape + "@" + offset;
    }
}
