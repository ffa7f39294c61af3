package spikelab.cuda;

import jcuda.driver.CUdeviceptr;
import spikelab.backend.Tensor;

/**
 * QK-norm on the GPU: LayerNorm of each head's q or k inside packed qkv rows (kernels in
 * layernorm.cu). One warp per (row, head) piece; the weight and bias gradients are summed in two
 * fixed passes (chunks of pieces, then the chunks in order), so they repeat to the bit.
 */
final class CudaHeadNorm {
    private static final int PIECES_PER_CHUNK = 256;

    private final CudaBackend be;
    private final Kernels k;
    private CUdeviceptr partial;
    private long partialLen;

    CudaHeadNorm(CudaBackend be, Kernels k) {
        this.be = be;
        this.k = k;
    }

    private static CUdeviceptr p(Tensor t) { return CudaBuffer.of(t); }

    private static void check(int n, int c, int h, int part) {
        if (part != 0 && part != 1) throw new IllegalArgumentException("head norm part must be 0 (q) or 1 (k), got " + part);
        if (h <= 0 || c % h != 0) throw new IllegalArgumentException("head norm: C = " + c + " is not divisible by H = " + h);
    }

    // per piece: y = (x − μ)·rstd·w + b
    void forward(Tensor out, Tensor mean, Tensor rstd, Tensor qkv, Tensor w, Tensor bias, int n, int c, int h, int part) {
        check(n, c, h, part);
        int pieces = n * h;
        if (pieces == 0) return;
        k.launch(k.headNormForward, (pieces + 7) / 8, 1, 256, 1, p(out), p(mean), p(rstd), p(qkv), p(w), p(bias),
                n, c, h, part);
    }

    // dx = rstd·(g − mean(g) − x̂·mean(g⊙x̂)) overwritten;  dw += Σ dy⊙x̂;  db += Σ dy  (fixed chunk order)
    void backward(Tensor dqkv, Tensor dw, Tensor db, Tensor dout, Tensor qkv, Tensor w, Tensor mean, Tensor rstd,
                  int n, int c, int h, int part) {
        check(n, c, h, part);
        int pieces = n * h, hs = c / h;
        if (pieces == 0) return;
        // parameter sums first: they read dout, which a caller may pass as dqkv itself
        int chunks = (pieces + PIECES_PER_CHUNK - 1) / PIECES_PER_CHUNK;
        long need = 2L * chunks * hs;
        if (partial == null || partialLen < need) {
            partial = be.scratch(partial, need);
            partialLen = need;
        }
        k.launch(k.headNormParamsPartial, (hs + 31) / 32, chunks, 32, 8, partial, p(dout), p(qkv), p(mean), p(rstd),
                n, c, h, part, PIECES_PER_CHUNK);
        k.launch(k.layerNormParamsFinish, (hs + 255) / 256, 1, 256, 1, p(dw), p(db), partial, chunks, hs);
        k.launch(k.headNormBackwardDx, (pieces + 7) / 8, 1, 256, 1, p(dqkv), p(dout), p(qkv), p(w), p(mean), p(rstd),
                n, c, h, part);
    }
}
