package spikelab.cuda;

import java.util.Arrays;

import jcuda.driver.CUdeviceptr;
import spikelab.backend.IntBuffer;

/**
 * int32 token ids on the device, plus what the embedding backward needs to sum repeated tokens
 * without atomics: the positions grouped by token. The grouping is built on the host at upload
 * time (the ids pass through the host anyway), so the backward pass needs no extra transfer.
 *
 * <p>Device layout of {@code index}, at offsets that depend only on the capacity-independent
 * count n of ids: order[n] | segStart[n + 1] | segTok[n] | segments[1] (only the first
 * {@code segments} starts and tokens are used).
 */
public final class CudaIntBuffer implements IntBuffer {
    final CUdeviceptr ids;
    final CUdeviceptr index;
    private final int capacity;
    /** Valid ids uploaded so far and their maximum. */
    int count;
    int maxId = -1;
    /**
     * The smallest table these ids were checked against: a replayed CUDA graph skips the ops'
     * own checks, so later uploads are checked against it instead.
     */
    long tableRows = Long.MAX_VALUE;

    CudaIntBuffer(CUdeviceptr ids, CUdeviceptr index, int capacity) {
        this.ids = ids;
        this.index = index;
        this.capacity = capacity;
    }

    @Override
    public int length() { return capacity; }

    /** Ints the grouping needs for n ids: order, segment starts, segment tokens, segment count. */
    static long indexLength(int n) { return 3L * n + 2; }

    /** Offsets (in ints) of the segment starts, tokens and count within the grouping of n ids. */
    static long startsAt(int n) { return n; }
    static long tokensAt(int n) { return 2L * n + 1; }
    static long countAt(int n) { return 3L * n + 1; }

    /**
     * Positions sorted by (token, position) by a counting sort, which keeps positions of one
     * token in increasing order, the order the CPU backend adds them in; laid out as the class
     * comment says.
     */
    static int[] groupByToken(int[] src, int n, int maxId) {
        int[] counts = new int[maxId + 2];
        for (int i = 0; i < n; i++) counts[src[i] + 1]++;
        for (int v = 1; v <= maxId + 1; v++) counts[v] += counts[v - 1];
        int[] out = new int[Math.toIntExact(indexLength(n))];
        int[] next = Arrays.copyOf(counts, maxId + 1);
        for (int i = 0; i < n; i++) out[next[src[i]]++] = i;
        int starts = (int) startsAt(n), tokens = (int) tokensAt(n);
        int s = 0;
        for (int v = 0; v <= maxId; v++) {
            if (counts[v + 1] > counts[v]) {
                out[starts + s] = counts[v];
                out[tokens + s] = v;
                s++;
            }
        }
        out[starts + s] = n;
        out[(int) countAt(n)] = s;
        return out;
    }
}
