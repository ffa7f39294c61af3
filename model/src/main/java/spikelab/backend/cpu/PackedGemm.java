package spikelab.backend.cpu;

/**
 * The blocked SGEMM driver shared by the Vector API kernel and the plain-Java fallback:
 * op(B) is packed once per call into NR-wide column strips and a register-tiled micro-kernel
 * computes MR×NR tiles of C. Each thread packs MR-high row strips of op(A) for its own rows,
 * except when op(A) is a transposed view (its MR values per k step are already contiguous) or
 * op(B) has at most {@link #IN_PLACE_MAX_STRIPS} strips (a small model's products, where the
 * packing copy costs more than it saves): then the kernel reads op(A) where it lies through a
 * row and a column stride, copying only a block's last, partial strip.
 *
 * <p>Summation order (what makes results independent of the thread count): k is cut into
 * blocks of the constant {@link #KC}; within a block each C element is one FMA chain over
 * k in increasing order starting from zero, and the blocks are added into C in increasing
 * order (the first block also applies beta). Threads only split the rows of C (output
 * tiles), never k, so how many threads run, or which rows each gets, cannot change a bit.
 * Kernels with different tile shapes but this order give bit-identical results.
 */
abstract class PackedGemm {
    /** k-block depth. Part of the summation order: changing it changes results in the last bits. */
    static final int KC = 256;
    /**
     * Up to this many NR-wide column strips of op(B), A is read in place instead of packed: the
     * packing copy pays off only when many strips reuse it. Measured (JMH, 2 threads, 2026-12-04)
     * the in-place read ran the reference step's n = 65, 128 and 384–512 products 1.2–1.6× faster
     * than packing, and an n = 3072 product 1.5× slower.
     */
    static final int IN_PLACE_MAX_STRIPS = 16;
    /** Largest row block per work unit: its MC×KC slice of A stays in L2 while B strips pass. */
    private static final int MC_MAX = 96;

    final int mr, nr;

    private final ThreadLocal<float[]> aScratch;
    private final ThreadLocal<float[][]> bScratch = ThreadLocal.withInitial(() -> new float[1][0]);

    PackedGemm(int mr, int nr) {
        if (MC_MAX % mr != 0) throw new AssertionError("MC_MAX must be a multiple of MR");
        this.mr = mr;
        this.nr = nr;
        this.aScratch = ThreadLocal.withInitial(() -> new float[MC_MAX * KC]);
    }

    /** Kernel name for logs. */
    abstract String name();

    /**
     * Multiplies an mc×kc block of op(A) by the packed kc×nc panel of B (NR-column strips) into
     * C at {@code cOff} (row stride ldc), only the first mc rows and nc columns being real.
     * Full MR-row strip s has element (r, p) at a[aOff + s·ss + r·rs + p·cs]; the last strip,
     * when mc is not a multiple of MR, is MR zero-padded rows at edge[edgeOff + p·MR + r].
     * {@code first}: C = alpha·acc (+ beta·C unless beta is 0); otherwise C += alpha·acc.
     */
    abstract void macroKernel(float[] a, int aOff, int rs, int cs, int ss, float[] edge, int edgeOff, float[] bp, int bOff,
                              int mc, int nc, int kc, float alpha, float beta, boolean first,
                              float[] c, int cOff, int ldc);

    final void gemm(Parallel par, boolean transA, boolean transB, int m, int n, int k,
                    float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                    float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            scaleOnly(par, m, n, beta, c, cOff, ldc);
            return;
        }
        int nStrips = (n + nr - 1) / nr;
        int nPad = nStrips * nr;
        int kBlocks = (k + KC - 1) / KC;
        float[][] holder = bScratch.get();
        if (holder[0].length < (long) k * nPad) holder[0] = new float[Math.multiplyExact(k, nPad)];
        float[] bp = holder[0];
        // one work unit per (k block, strip): a weight gradient's B (k = B·T) is deep but has few strips
        par.forRange(kBlocks * nStrips, Math.max(1, 16384 / (KC * nr)), (from, to) ->
                packB(transB, b, bOff, ldb, n, k, nPad, nStrips, bp, from, to));

        // Row blocks sized so every thread gets work; MC only affects speed, never the sums.
        int perThread = (m + par.threads() - 1) / par.threads();
        int mc = Math.min(MC_MAX, Math.max(mr, (perThread + mr - 1) / mr * mr));
        int mBlocks = (m + mc - 1) / mc;
        int rs = transA ? 1 : lda, cs = transA ? lda : 1;
        // op(A) = Aᵀ (weight gradients, dyᵀ·x) already holds each k step's MR values side by side,
        // which is what packing would produce: reading it in place measured 25–30% faster there
        boolean inPlace = transA || nStrips <= IN_PLACE_MAX_STRIPS;
        par.forRange(mBlocks, (from, to) -> {
            float[] ap = aScratch.get();
            for (int blk = from; blk < to; blk++) {
                int i0 = blk * mc, mcb = Math.min(mc, m - i0);
                int full = mcb / mr * mr;
                for (int kb = 0; kb < kBlocks; kb++) {
                    int p0 = kb * KC, kcb = Math.min(KC, k - p0);
                    if (inPlace) {
                        if (full < mcb) packEdge(a, aOff + (i0 + full) * rs + p0 * cs, rs, cs, mcb - full, kcb, ap);
                        macroKernel(a, aOff + i0 * rs + p0 * cs, rs, cs, mr * rs, ap, 0, bp, p0 * nPad, mcb, n, kcb,
                                alpha, beta, kb == 0, c, cOff + i0 * ldc, ldc);
                    } else {
                        packA(a, aOff, lda, i0, mcb, p0, kcb, ap);
                        macroKernel(ap, 0, 1, mr, kcb * mr, ap, full * kcb, bp, p0 * nPad, mcb, n, kcb,
                                alpha, beta, kb == 0, c, cOff + i0 * ldc, ldc);
                    }
                }
            }
        });
    }

    /** C = beta·C (k = 0: the product is empty); beta 0 writes zeros without reading C. */
    private static void scaleOnly(Parallel par, int m, int n, float beta, float[] c, int cOff, int ldc) {
        par.forRange(m, 64, (from, to) -> {
            for (int i = from; i < to; i++) {
                int r = cOff + i * ldc;
                for (int j = 0; j < n; j++) c[r + j] = beta == 0f ? 0f : beta * c[r + j];
            }
        });
    }

    /**
     * Packs rows [i0, i0+mc) × k-range [p0, p0+kc) of A (not transposed: transposed views are
     * read in place) as MR-row strips: strip s holds, for each p, MR consecutive values
     * A[i0+s·MR+r][p0+p]; rows past mc are zero.
     */
    private void packA(float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float[] ap) {
        int mr = this.mr;
        for (int s = 0; s * mr < mc; s++) {
            int base = s * kc * mr;
            int rows = Math.min(mr, mc - s * mr);
            for (int r = 0; r < rows; r++) {
                int src = aOff + (i0 + s * mr + r) * lda + p0;
                for (int p = 0; p < kc; p++) ap[base + p * mr + r] = a[src + p];
            }
            for (int r = rows; r < mr; r++) {
                for (int p = 0; p < kc; p++) ap[base + p * mr + r] = 0f;
            }
        }
    }

    /** Copies the last {@code rows} (< MR) rows of a block's A as one zero-padded strip: edge[p·MR + r]. */
    private void packEdge(float[] a, int off, int rs, int cs, int rows, int kc, float[] edge) {
        int mr = this.mr;
        for (int p = 0; p < kc; p++) {
            int src = off + p * cs, dst = p * mr;
            for (int r = 0; r < rows; r++) edge[dst + r] = a[src + r * rs];
            for (int r = rows; r < mr; r++) edge[dst + r] = 0f;
        }
    }

    /**
     * Packs units [from, to) of op(B), unit u being strip u mod nStrips of k block u / nStrips.
     * Block kb starts at kb·KC·nPad; inside it strip js holds, for each p, NR consecutive values
     * op(B)[p][js·NR+j], zero past n.
     */
    private void packB(boolean transB, float[] b, int bOff, int ldb, int n, int k, int nPad, int nStrips,
                       float[] bp, int from, int to) {
        int nr = this.nr;
        for (int u = from; u < to; u++) {
            int p0 = u / nStrips * KC, js = u % nStrips;
            int kc = Math.min(KC, k - p0);
            int base = p0 * nPad + js * kc * nr;
            int j0 = js * nr, cols = Math.min(nr, n - j0);
            if (transB) {
                // op(B)[p][j] = b[j·ldb + p]: walk each source row contiguously
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (j0 + j) * ldb + p0;
                    for (int p = 0; p < kc; p++) bp[base + p * nr + j] = b[src + p];
                }
                for (int j = cols; j < nr; j++) {
                    for (int p = 0; p < kc; p++) bp[base + p * nr + j] = 0f;
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + j0, dst = base + p * nr;
                    System.arraycopy(b, src, bp, dst, cols);
                    for (int j = cols; j < nr; j++) bp[dst + j] = 0f;
                }
            }
        }
    }

    /** Combines one accumulated value into C; the same arithmetic as the kernels' vector path. */
    static float combine(float acc, float alpha, float beta, boolean first, float old) {
        if (!first) return old + alpha * acc;
        return beta == 0f ? alpha * acc : alpha * acc + beta * old;
    }
}
