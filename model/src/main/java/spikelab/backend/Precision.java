package spikelab.backend;

import java.util.Locale;

/**
 * What a backend's matrix products compute in. Everything else (LayerNorm, softmax, the loss,
 * reductions, AdamW and the master weights) is fp32 in every mode.
 *
 * <ul>
 *   <li>{@code fp32}: fp32 inputs, fp32 sums.</li>
 *   <li>{@code tf32}: CUDA's TF32 tensor cores (inputs with a 10-bit mantissa, fp32 sums); a
 *       GPU mode only.</li>
 *   <li>{@code bf16}: mixed precision. Both inputs of every product (weights, activations and
 *       the gradients that flow through products) are rounded to bf16, to nearest with ties to
 *       even; the products of two bf16 values are exact in fp32 and are summed in fp32; the
 *       result stays fp32. The CPU backend emulates exactly this ({@link Bf16}).</li>
 *   <li>{@code bf16-autocast}: bf16, and every product's output rounded to bf16 as well
 *       (forward and backward, the weights' gradients included, before any fp32
 *       accumulation), as are the FFN activation's outputs and their gradients: the rounding
 *       points of PyTorch's bf16 autocast on a model with explicit attention. Emulated on the
 *       CPU only.</li>
 * </ul>
 */
public enum Precision {
    FP32, TF32, BF16, BF16_AUTOCAST;

    /** The command-line spelling: fp32, tf32, bf16, bf16-autocast. */
    public String cliName() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    /** Whether the products' inputs are rounded to bf16 (bf16 and bf16-autocast). */
    public boolean bf16Inputs() { return this == BF16 || this == BF16_AUTOCAST; }

    /** Whether the products' outputs (and the FFN activation's) are rounded to bf16 too. */
    public boolean bf16Outputs() { return this == BF16_AUTOCAST; }

    /** Parses fp32|tf32|bf16|bf16-autocast (any case); throws IllegalArgumentException naming the choices. */
    public static Precision parse(String s) {
        for (Precision p : values()) if (p.cliName().equalsIgnoreCase(s.trim())) return p;
        throw new IllegalArgumentException("unknown precision '" + s + "': choose fp32, tf32, bf16 or bf16-autocast");
    }
}
