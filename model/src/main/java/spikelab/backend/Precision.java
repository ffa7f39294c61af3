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
 * </ul>
 */
public enum Precision {
    FP32, TF32, BF16;

    /** The command-line spelling: fp32, tf32, bf16. */
    public String cliName() { return name().toLowerCase(Locale.ROOT); }

    /** Parses fp32|tf32|bf16 (any case); throws IllegalArgumentException naming the choices. */
    public static Precision parse(String s) {
        for (Precision p : values()) if (p.cliName().equalsIgnoreCase(s.trim())) return p;
        throw new IllegalArgumentException("unknown precision '" + s + "': choose fp32, tf32 or bf16");
    }
}
