package spikelab.cuda;

import java.util.Arrays;

import jcuda.driver.CUdeviceptr;
import spikelab.backend.IntBuffer;

/**
 * int32 token ids on the device, plus what the embedding backward needs to sum repeated tokens
 * without atomics: the positions grouped by token. The grouping is built on the host at upload
 * time (the ids pass through the host anyway), so the backward pass needs no extra transfer.
 *
 * <p>Device layout of {@code index}: order[n] | segStart[segments + 1] | segTok[segments].
 */
public final class CudaIntBuffer implements IntBuffer {
    final CUdeviceptr ids;
    final CUdeviceptr index;
    private final int capacity;
    /** Valid ids uploaded so far, their maximum, and the number of distinct tokens. */
    int count;
    int maxId = -1;
    int segments;

    CudaIntBuffer(CUdeviceptr ids, CUdeviceptr index, int capacity) {
        this.ids = ids;
        this.index = index;
        this.capacity = capacity;
    }

    @Override
    public int length() { return capacity; }

    /** Ints the grouping needs for n ids: order, segment starts, segment tokens. */
    static long indexLength(int n) { return 3L * n + 1; }

    /**
     * Positions sorted by (token, position) by a counting sort, which keeps positions of one
     * token in increasing order, the order the CPU backend adds them in.
     */
    static int[] groupByToken(int[] src, int n, int maxId) {
        int[] counts = new int[maxId + 2];
        for (int i = 0; i < n; i++) counts[src[i] + 1]++;
        int segments = 0;
        for (int v = 1; v <= maxId + 1; v++) if (counts[v] > 0) segments++;
        for (int v = 1; v <= maxId + 1; v++) counts[v] += counts[v - 1];
        int[] out = new int[n + 1 + 2 * segments];
        int[] next = Arrays.copyOf(counts, maxId + 1);
        for (int i = 0; i < n; i++) out[next[src[i]]++] = i;
        int s = 0;
        for (int v = 0; v <= maxId; v++) {
            if (counts[v + 1] > counts[v]) {
                out[n + s] = counts[v];
                out[n + segments + 1 + s] = v;
                s++;
            }
        }
        out[n + segments] = n;
        return out;
    }
}
