package spikelab.cuda;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import jcuda.driver.CUdeviceptr;
import spikelab.backend.Tensor;

/**
 * Deterministic sums in double. Each segment is cut into fixed 4096-element chunks; a block sums
 * a chunk with a fixed tree, then one block per segment sums its chunk partials. The chunk table
 * depends only on the segment lengths, so it is built and uploaded once per distinct list of
 * lengths (the trainer asks for the same per-layer split every step) and cached.
 */
final class CudaReductions {
    static final int CHUNK = 4096;
    private static final int CACHED_TABLES = 8;

    private final CudaBackend be;
    private final Kernels k;
    private final Map<String, Table> tables = new LinkedHashMap<>();
    private CUdeviceptr partial, out;
    private long partialLen, outLen;

    /** Chunk starts/lengths and each segment's first chunk, on the device. */
    private static final class Table {
        final int chunks, segments;
        final CUdeviceptr start, len, first;

        Table(int chunks, int segments, CUdeviceptr start, CUdeviceptr len, CUdeviceptr first) {
            this.chunks = chunks;
            this.segments = segments;
            this.start = start;
            this.len = len;
            this.first = first;
        }
    }

    CudaReductions(CudaBackend be, Kernels k) {
        this.be = be;
        this.k = k;
    }

    double[] reduce(Tensor x, long[] lengths, boolean squares) {
        if (lengths.length == 0) {
            check(x, lengths);
            return new double[0];
        }
        if (out == null || outLen < lengths.length * 2L) {
            outLen = lengths.length * 2L;                      // doubles take two float slots
            out = be.scratch(out, outLen);
        }
        reduceInto(out, x, lengths, squares);
        double[] result = new double[lengths.length];
        be.staging().fromDevice(result, out, lengths.length);
        return result;
    }

    /**
     * dst[s] = Σ x (or x²) over segment s, as doubles at device address {@code dst}; queued, no
     * wait. Allocates only on the first use of a list of lengths or a larger chunk count.
     */
    void reduceInto(CUdeviceptr dst, Tensor x, long[] lengths, boolean squares) {
        check(x, lengths);
        if (lengths.length == 0) return;
        Table tab = table(lengths);
        if (partial == null || partialLen < Math.max(1, tab.chunks) * 2L) {
            partialLen = Math.max(1, tab.chunks) * 2L;
            partial = be.scratch(partial, partialLen);
        }
        if (tab.chunks > 0) {
            k.launch(k.reduceChunks, tab.chunks, 1, 256, 1, partial, CudaBuffer.of(x), tab.start, tab.len,
                    squares ? 1 : 0);
        }
        k.launch(k.reduceSegments, tab.segments, 1, 256, 1, dst, partial, tab.first);
    }

    private static void check(Tensor x, long[] lengths) {
        long total = 0;
        for (long l : lengths) {
            if (l < 0) throw new IllegalArgumentException("negative segment length " + l);
            total += l;
        }
        if (total > x.size()) {
            throw new IllegalArgumentException("segments of " + total + " elements exceed " + x);
        }
    }

    private Table table(long[] lengths) {
        String key = Arrays.toString(lengths);
        Table t = tables.get(key);
        if (t != null) return t;
        int chunks = 0;
        for (long l : lengths) chunks = Math.addExact(chunks, Math.toIntExact((l + CHUNK - 1) / CHUNK));
        long[] start = new long[Math.max(1, chunks)];
        int[] len = new int[Math.max(1, chunks)];
        int[] first = new int[lengths.length + 1];
        long off = 0;
        int c = 0;
        for (int s = 0; s < lengths.length; s++) {
            first[s] = c;
            for (long o = 0; o < lengths[s]; o += CHUNK) {
                start[c] = off + o;
                len[c] = (int) Math.min(CHUNK, lengths[s] - o);
                c++;
            }
            off += lengths[s];
        }
        first[lengths.length] = c;
        CUdeviceptr dStart = be.scratch(null, 2L * start.length), dLen = be.scratch(null, len.length),
                dFirst = be.scratch(null, first.length);
        be.staging().toDevice(dStart, start, start.length);
        be.staging().toDevice(dLen, len, len.length);
        be.staging().toDevice(dFirst, first, first.length);
        if (tables.size() >= CACHED_TABLES) {
            // an evicted table's device memory is given back through the backend's allocation list
            Table old = tables.remove(tables.keySet().iterator().next());
            be.free(old.start);
            be.free(old.len);
            be.free(old.first);
        }
        t = new Table(chunks, lengths.length, dStart, dLen, dFirst);
        tables.put(key, t);
        return t;
    }
}
