package spikelab.train;

import java.lang.management.ManagementFactory;

import spikelab.backend.Precision;
import spikelab.run.UserError;
import spikelab.model.ModelConfig;

/**
 * What a training run will allocate, counted from the model's shape before anything is
 * allocated, so that a model too large for the heap, the machine or the backend's index range
 * fails at once with one line instead of minutes later with an OutOfMemoryError or an integer
 * overflow.
 *
 * <p>All counts are floats (4 bytes) in saturating long arithmetic: no option value can make
 * them wrap. The activation count mirrors the buffers the Transformer constructor allocates
 * (model/src/main/java/spikelab/model/Transformer.java); {@code MemoryEstimateTest} holds it to
 * the real allocation of a small model.
 *
 * @param parameters    trainable scalars P
 * @param stateFloats   per-parameter buffers kept for the whole run: weights, gradients, AdamW m
 *                      and v, and the update-ratio copy of the weights (TrainStep): 5P
 * @param activations   activations and their gradients for one batch, plus the token buffers
 * @param hostTransient host arrays that exist only while initialising or checkpointing (the
 *                      downloaded m and v): 2P
 * @param largestBuffer the largest single buffer, which must fit one Java array / int index
 * @param cpuBf16Scratch the CPU backend's bf16 emulation copies (0 in fp32): the largest A and B
 *                      operand of any product, rounded into the training thread's scratch, and
 *                      the fused attention's rounded qkv and dO; with bf16-autocast also the
 *                      unrounded product of the largest accumulating product (a weight
 *                      gradient or a residual add)
 */
public record MemoryEstimate(long parameters, long stateFloats, long activations, long hostTransient, long largestBuffer,
                             String largestName, long cpuBf16Scratch) {
    /** The longest Java array (a few VMs reserve header words below Integer.MAX_VALUE). */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** The estimate for {@code cfg} trained with {@code batch} sequences per step, in fp32. */
    public static MemoryEstimate of(ModelConfig cfg, int batch) {
        return of(cfg, batch, false);
    }

    /** As {@link #of(ModelConfig, int)}, with the CPU's bf16 emulation scratch when {@code bf16}. */
    public static MemoryEstimate of(ModelConfig cfg, int batch, boolean bf16) {
        return of(cfg, batch, bf16 ? Precision.BF16 : Precision.FP32);
    }

    /** As {@link #of(ModelConfig, int)}, with the CPU's emulation scratch for {@code precision}. */
    public static MemoryEstimate of(ModelConfig cfg, int batch, Precision precision) {
        boolean bf16 = precision.bf16Inputs();
        long c = cfg.dModel(), v = cfg.vocabSize(), t = cfg.context(), b = batch, l = cfg.layers(), heads = cfg.heads();
        // The model's own int widths overflow far above any model that fits in memory; above
        // that bound use the same rule (4C, or round(8C/3) gated) in long arithmetic. The count
        // below mirrors ModelConfig.parameterCount() but saturates instead of overflowing.
        long h = c <= (1 << 24) ? cfg.hidden() : (cfg.activation().gated() ? (8 * c + 1) / 3 : 4 * c);
        long preW = c <= (1 << 24) ? cfg.preWidth() : (cfg.activation().gated() ? 2 * h : h);
        long n = mul(b, t);
        long nc = mul(n, c);

        long qk = cfg.qkNorm() ? 1 : 0;   // QK-norm: 4 vectors of C/H; a normed qkv copy and per-head stats
        long perLayer = sum(mul(3, c, c), mul(c, c), mul(preW, c), mul(h, c), mul(4, c), mul(qk, 4, c / heads));
        long p = sum(mul(v, c), mul(t, c), mul(l, perLayer), cfg.finalNorm() ? mul(2, c) : 0, cfg.tieEmbeddings() ? 0 : mul(v, c));

        long att = mul(b, heads, t, t);
        long layerActs = sum(mul(8, nc), mul(4, n), att, mul(n, preW), mul(n, h), mul(qk, sum(mul(3, nc), mul(4, n, heads))));   // ln1, qkv(3), attnOut, res1, ln2, res2; means, rstds
        long top = sum(mul(2, nc), mul(4, n), mul(n, v), l,                          // x0, lnf; lnf stats, losses, logZ; logits; maxLogit
                mul(7, nc), mul(qk, 3, nc), mul(n, preW), mul(n, h),                  // dres, dtmp, dln, dqkv(3), dattn; dqkvNormed; dpre; dact
                mul(2, n), h);                                                        // inputs, targets (int); the probe's unit maxima
        long acts = sum(mul(l, layerActs), top);

        long largest = p;
        String name = "the parameters (one buffer)";
        if (att > largest) { largest = att; name = "one layer's attention weights (batch x heads x context x context)"; }
        if (mul(n, v) > largest) { largest = mul(n, v); name = "the logits (batch x context x vocabulary)"; }
        if (mul(n, preW) > largest) { largest = mul(n, preW); name = "one layer's FFN input (batch x context x hidden)"; }
        // bf16 on the CPU: op(A) is at most the logits' gradient (LM head backward), the FFN's
        // pre-activation gradient or dqkv; op(B) the LM head weight or an n-row activation
        long scratch = 0;
        if (bf16) {
            long maxA = Math.max(mul(n, v), Math.max(mul(n, preW), mul(3, nc)));
            long maxB = Math.max(mul(v, c), Math.max(mul(n, Math.max(h, c)), Math.max(mul(preW, c), mul(3, c, c))));
            scratch = sum(maxA, maxB, mul(4, nc), mul(t, t));   // + rounded qkv and dO; one pair's P
        }
        if (precision.bf16Outputs()) {
            // C = beta·C + rnd(product) keeps the product apart: dW of the LM head, W_in, W_qkv; a residual add
            scratch = sum(scratch, Math.max(Math.max(mul(v, c), mul(preW, c)), Math.max(mul(3, c, c), nc)));
        }
        return new MemoryEstimate(p, mul(5, p), acts, mul(2, p), largest, name, scratch);
    }

    /** Floats resident on the training device for the whole run. */
    public long deviceFloats() { return sum(stateFloats, activations); }

    /** Bytes of Java heap a CPU run needs at its peak (a checkpoint write). */
    public long cpuHeapBytes() { return mul(4, sum(deviceFloats(), hostTransient, cpuBf16Scratch)); }

    /** Bytes of GPU memory a CUDA run needs. */
    public long gpuBytes() { return mul(4, deviceFloats()); }

    /** Bytes of Java heap a CUDA run needs (its host copies while checkpointing). */
    public long gpuHostBytes() { return mul(4, hostTransient); }

    /**
     * Throws a {@link UserError} naming the estimate and what to shrink when the run cannot fit:
     * a buffer past the backend's index range, or (on the CPU) more than the heap or the machine.
     */
    public void requireFits(boolean cpu, long maxHeap, long machine) {
        long limit = cpu ? MAX_ARRAY : Integer.MAX_VALUE;
        if (largestBuffer > limit) {
            throw new UserError(String.format("model too large: %s would hold %,d floats, more than the %,d one %s "
                    + "buffer can index (%,d parameters, %s total): shrink %s", largestName, largestBuffer, limit,
                    cpu ? "CPU (Java array)" : "GPU", parameters, gib(cpu ? cpuHeapBytes() : gpuBytes()), shrink()));
        }
        long need = cpu ? cpuHeapBytes() : gpuHostBytes();
        if (need > maxHeap) {
            String more = need < machine * 0.9
                    ? String.format(", or give Java more heap (JAVA_OPTS=-Xmx%dg)", (long) Math.ceil(need * 1.25 / (1L << 30)))
                    : String.format(" (this machine has %s in all)", gib(machine));
            String bf16 = cpu && cpuBf16Scratch > 0 ? "; " + gib(mul(4, cpuBf16Scratch)) + " of bf16-rounded copies" : "";
            throw new UserError(String.format("model too large: it needs about %s of Java heap (%,d parameters: %s for "
                    + "weights, gradients, AdamW state and copies; %s of activations for --batch x --context%s) but the JVM "
                    + "may use at most %s: shrink %s%s", gib(need), parameters, gib(mul(4, sum(stateFloats, hostTransient))),
                    gib(mul(4, activations)), bf16, gib(maxHeap), shrink(), more));
        }
    }

    /** As {@link #requireFits(boolean, long, long)} for this JVM and machine. */
    public void requireFits(boolean cpu) {
        requireFits(cpu, Runtime.getRuntime().maxMemory(), machineBytes());
    }

    /** The one-line reason for a GPU allocation failure, with the estimate. */
    public String gpuOutOfMemory(String backendMessage) {
        return String.format("model too large for the GPU: it needs about %s of GPU memory (%,d parameters, %s of "
                + "activations); %s", gib(gpuBytes()), parameters, gib(mul(4, activations)), backendMessage);
    }

    private String shrink() {
        return activations > stateFloats ? "--batch or --context (activations dominate), or --d-model / --layers"
                : "--d-model or --layers (parameters dominate)";
    }

    static long machineBytes() {
        try {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        } catch (ClassCastException | LinkageError e) {
            return Long.MAX_VALUE;   // unknown: the heap limit still applies
        }
    }

    public static String gib(long bytes) {
        if (bytes == Long.MAX_VALUE) return "more than 8 EiB";
        return bytes >= (1L << 30) ? String.format("%.1f GiB", bytes / (double) (1L << 30))
                : String.format("%.0f MiB", bytes / (double) (1L << 20));
    }

    /** Product that sticks at Long.MAX_VALUE instead of wrapping. */
    static long mul(long... xs) {
        long r = 1;
        for (long x : xs) {
            if (x < 0) throw new IllegalArgumentException("negative size " + x);
            if (x != 0 && r > Long.MAX_VALUE / x) return Long.MAX_VALUE;
            r *= x;
        }
        return r;
    }

    /** Sum that sticks at Long.MAX_VALUE instead of wrapping. */
    static long sum(long... xs) {
        long r = 0;
        for (long x : xs) {
            if (x < 0) throw new IllegalArgumentException("negative size " + x);
            r = r > Long.MAX_VALUE - x ? Long.MAX_VALUE : r + x;
        }
        return r;
    }
}
