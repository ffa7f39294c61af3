package spikelab.model;

import ai.djl.ndarray.types.Shape;
import spikelab.backend.Tensor;

/** A named trainable tensor, its gradient, and whether weight decay applies to it. */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private final Tensor grad;
    private final boolean decay;

    public Parameter(String name, Tensor value, Tensor grad, boolean decay) {
        this.name = name;
        this.value = value;
        this.grad = grad;
        this.decay = decay;
    }

    public String name() { return name; }
    public Tensor value() { return value; }
    public Tensor grad() { return grad; }
    public boolean decay() { return decay; }
    public Shape shape() { return value.shape(); }

    /** The layer index for names like {@code layers.3.attn.wo}, or -1 for embeddings and the head. */
    public int layer() {
        if (!name.startsWith("layers.")) return -1;
        int end = name.indexOf('.', 7);
        return Integer.parseInt(name.substring(7, end));
    }

    @Override
    public String toString() { return name + shape(); }
}
