package spikelab.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import java.util.ArrayList;
import java.util.List;

import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/** spikelab's own kernels (one PTX module per .cu family) and a launcher for them. */
final class Kernels implements AutoCloseable {
    /** Every PTX module the backend needs, besides matmul which the matmul package loads. */
    static final String[] MODULES = {"elementwise", "embedding", "layernorm", "attention", "activation",
            "crossentropy", "adamw", "reduce"};

    private final List<CUmodule> modules = new ArrayList<>();
    private final CUstream stream;

    final CUfunction axpy;
    final CUfunction embeddingForward, embeddingBackwardTokens, embeddingBackwardPositions;
    final CUfunction layerNormForward, layerNormBackwardDx, layerNormParamsPartial, layerNormParamsFinish;
    final CUfunction headNormForward, headNormBackwardDx, headNormParamsPartial;
    final CUfunction headsSplit, headsMerge, attentionSoftmax, attentionSoftmaxBackward;
    final CUfunction activationForward, activationBackward;
    final CUfunction crossEntropyForward, crossEntropyBackward;
    final CUfunction adamW, adamWScalars, clipScale;
    final CUfunction reduceChunks, reduceSegments, columnAbsMax;

    Kernels(CUstream stream) {
        this.stream = stream;
        CUmodule ew = load("elementwise"), emb = load("embedding"), ln = load("layernorm"),
                att = load("attention"), act = load("activation"), ce = load("crossentropy"),
                adam = load("adamw"), red = load("reduce");
        axpy = Ptx.function(ew, "sl_axpy");
        embeddingForward = Ptx.function(emb, "sl_embedding_forward");
        embeddingBackwardTokens = Ptx.function(emb, "sl_embedding_backward_tokens");
        embeddingBackwardPositions = Ptx.function(emb, "sl_embedding_backward_positions");
        layerNormForward = Ptx.function(ln, "sl_layernorm_forward");
        layerNormBackwardDx = Ptx.function(ln, "sl_layernorm_backward_dx");
        layerNormParamsPartial = Ptx.function(ln, "sl_layernorm_backward_params_partial");
        layerNormParamsFinish = Ptx.function(ln, "sl_layernorm_backward_params_finish");
        headNormForward = Ptx.function(ln, "sl_headnorm_forward");
        headNormBackwardDx = Ptx.function(ln, "sl_headnorm_backward_dx");
        headNormParamsPartial = Ptx.function(ln, "sl_headnorm_backward_params_partial");
        headsSplit = Ptx.function(att, "sl_heads_split");
        headsMerge = Ptx.function(att, "sl_heads_merge");
        attentionSoftmax = Ptx.function(att, "sl_attention_softmax");
        attentionSoftmaxBackward = Ptx.function(att, "sl_attention_softmax_backward");
        activationForward = Ptx.function(act, "sl_activation_forward");
        activationBackward = Ptx.function(act, "sl_activation_backward");
        crossEntropyForward = Ptx.function(ce, "sl_crossentropy_forward");
        crossEntropyBackward = Ptx.function(ce, "sl_crossentropy_backward");
        adamW = Ptx.function(adam, "sl_adamw");
        adamWScalars = Ptx.function(adam, "sl_adamw_scalars");
        clipScale = Ptx.function(adam, "sl_clip_scale");
        reduceChunks = Ptx.function(red, "sl_reduce_chunks");
        reduceSegments = Ptx.function(red, "sl_reduce_segments");
        columnAbsMax = Ptx.function(red, "sl_column_absmax");
    }

    private CUmodule load(String name) {
        CUmodule m = Ptx.load(name);
        modules.add(m);
        return m;
    }

    /**
     * Launches on the backend's stream. Arguments map to kernel parameters by Java type: Pointer
     * (device address), Integer (int), Long (long long), Float (float),
     * Double (double).
     */
    void launch(CUfunction f, int gridX, int gridY, int blockX, int blockY, Object... args) {
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Pointer) params[i] = Pointer.to((Pointer) a);
            else if (a instanceof Integer) params[i] = Pointer.to(new int[] {(Integer) a});
            else if (a instanceof Long) params[i] = Pointer.to(new long[] {(Long) a});
            else if (a instanceof Float) params[i] = Pointer.to(new float[] {(Float) a});
            else if (a instanceof Double) params[i] = Pointer.to(new double[] {(Double) a});
            else throw new IllegalArgumentException("kernel argument of type " + a.getClass());
        }
        cuLaunchKernel(f, gridX, gridY, 1, blockX, blockY, 1, 0, stream, Pointer.to(params), null);
    }

    /** 1-D launch over n elements for a grid-stride kernel: enough blocks to fill the GPU, no more. */
    void launch1d(CUfunction f, long n, Object... args) {
        int blocks = (int) Math.max(1, Math.min((n + 255) / 256, 132L * 32));
        launch(f, blocks, 1, 256, 1, args);
    }

    @Override
    public void close() {
        for (CUmodule m : modules) JCudaDriver.cuModuleUnload(m);
        modules.clear();
    }
}
