package spikelab.cuda;

import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import spikelab.backend.Tensor;
import spikelab.cuda.matmul.Matmul;

/**
 * Causal attention on the GPU: the qkv rows are split into per-head blocks [B,H,T,hs] so that
 * every product is one strided-batched call over all B·H heads; softmax and its backward are
 * our kernels. Scratch (per-head q,k,v, their gradients, the head outputs and dS [B,H,T,T]) is
 * allocated on first use and kept; it grows only if a later call needs more.
 */
final class CudaAttention {
    private final CudaBackend be;
    private final Kernels k;
    private final Matmul mm;
    private CUdeviceptr heads, dheads, y, ds;
    private long headsLen, yLen, dsLen;

    CudaAttention(CudaBackend be, Kernels k, Matmul mm) {
        this.be = be;
        this.k = k;
        this.mm = mm;
    }

    private void ensureScratch(long nc, long bhtt) {
        if (heads == null || headsLen < 3 * nc) {
            heads = be.scratch(heads, 3 * nc);
            dheads = be.scratch(dheads, 3 * nc);
            headsLen = 3 * nc;
        }
        if (y == null || yLen < nc) {
            y = be.scratch(y, nc);
            yLen = nc;
        }
        if (ds == null || dsLen < bhtt) {
            ds = be.scratch(ds, bhtt);
            dsLen = bhtt;
        }
    }

    private static CUdeviceptr at(CUdeviceptr p, long floats) { return p.withByteOffset(floats * Sizeof.FLOAT); }

    /** Splits the q, k and v columns of qkv [B,T,3C] into heads[0|1|2] = q, k, v [B,H,T,hs]. */
    private void split(CUdeviceptr qkv, long nc, int b, int t, int c, int h) {
        for (int part = 0; part < 3; part++) {
            k.launch1d(k.headsSplit, nc, at(heads, part * nc), at(qkv, (long) part * c), 3 * c, b, t, c, h);
        }
    }

    // S = Q·Kᵀ/√hs,  P = causal-softmax(S) (kept in att),  O = P·V,  maxLogit = max |S| over s ≤ t
    void forward(Tensor out, Tensor att, Tensor maxLogit, Tensor qkv, int b, int t, int c, int h) {
        check(att, maxLogit, qkv, out, c, b, t, h);
        int hs = c / h, bh = b * h;
        long nc = (long) b * t * c, tt = (long) t * t, ths = (long) t * hs;
        ensureScratch(nc, bh * tt);
        split(CudaBuffer.of(qkv), nc, b, t, c, h);
        CUdeviceptr q = heads, kk = at(heads, nc), v = at(heads, 2 * nc), p = CudaBuffer.of(att);
        float scale = (float) (1.0 / Math.sqrt(hs));
        mm.gemmStridedBatched(false, true, t, t, hs, scale, q, hs, ths, kk, hs, ths, 0f, p, t, tt, bh);
        be.fill(maxLogit, 0f);
        long rows = (long) bh * t;
        k.launch(k.attentionSoftmax, (int) ((rows + 7) / 8), 1, 256, 1, p, CudaBuffer.of(maxLogit), rows, t);
        mm.gemmStridedBatched(false, false, t, hs, t, 1f, p, t, tt, v, hs, ths, 0f, y, hs, ths, bh);
        k.launch1d(k.headsMerge, nc, CudaBuffer.of(out), c, y, b, t, c, h);
    }

    // dP = dO·Vᵀ,  dV = Pᵀ·dO,  dS = P ⊙ (dP − rowsum(P ⊙ dP))/√hs,  dQ = dS·K,  dK = dSᵀ·Q.
    // dqkv is overwritten (every product has beta = 0 and the merges cover every element).
    void backward(Tensor dqkv, Tensor dout, Tensor qkv, Tensor att, int b, int t, int c, int h) {
        check(att, null, qkv, dout, c, b, t, h);
        if (dqkv.size() < 3L * b * t * c) throw new IllegalArgumentException("dqkv " + dqkv + " smaller than B·T·3C");
        int hs = c / h, bh = b * h;
        long nc = (long) b * t * c, tt = (long) t * t, ths = (long) t * hs;
        ensureScratch(nc, bh * tt);
        split(CudaBuffer.of(qkv), nc, b, t, c, h);
        k.launch1d(k.headsSplit, nc, y, CudaBuffer.of(dout), c, b, t, c, h);
        CUdeviceptr q = heads, kk = at(heads, nc), v = at(heads, 2 * nc), p = CudaBuffer.of(att);
        CUdeviceptr dq = dheads, dk = at(dheads, nc), dv = at(dheads, 2 * nc);
        mm.gemmStridedBatched(false, true, t, t, hs, 1f, y, hs, ths, v, hs, ths, 0f, ds, t, tt, bh);
        mm.gemmStridedBatched(true, false, t, hs, t, 1f, p, t, tt, y, hs, ths, 0f, dv, hs, ths, bh);
        long rows = (long) bh * t;
        k.launch(k.attentionSoftmaxBackward, (int) ((rows + 7) / 8), 1, 256, 1, ds, p, rows, t,
                (float) (1.0 / Math.sqrt(hs)));
        mm.gemmStridedBatched(false, false, t, hs, t, 1f, ds, t, tt, kk, hs, ths, 0f, dq, hs, ths, bh);
        mm.gemmStridedBatched(true, false, t, hs, t, 1f, ds, t, tt, q, hs, ths, 0f, dk, hs, ths, bh);
        CUdeviceptr dst = CudaBuffer.of(dqkv);
        for (int part = 0; part < 3; part++) {
            k.launch1d(k.headsMerge, nc, at(dst, (long) part * c), 3 * c, at(dheads, part * nc), b, t, c, h);
        }
    }

    private static void check(Tensor att, Tensor maxLogit, Tensor qkv, Tensor io, int c, int b, int t, int h) {
        if (h <= 0 || c % h != 0) throw new IllegalArgumentException("d_model " + c + " is not a multiple of heads " + h);
        long nc = (long) b * t * c;
        if (qkv.size() < 3 * nc) throw new IllegalArgumentException("qkv " + qkv + " smaller than B·T·3C = " + 3 * nc);
        if (io.size() < nc) throw new IllegalArgumentException("attention input/output " + io + " smaller than B·T·C = " + nc);
        if (att.size() < (long) b * h * t * t) throw new IllegalArgumentException("att " + att + " smaller than B·H·T·T");
        if (maxLogit != null && maxLogit.size() < 1) throw new IllegalArgumentException("maxLogit needs one element");
    }
}
