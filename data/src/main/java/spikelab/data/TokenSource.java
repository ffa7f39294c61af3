package spikelab.data;

import java.util.List;
import java.util.Objects;

/**
 * A read-only sequence of token ids that may be longer than an int[] can hold: a tokenized text
 * in memory, or llm.c shards mapped from disk. Samplers copy windows out of it in bulk.
 */
public interface TokenSource {
    /** Number of tokens. */
    long size();

    /** Copies tokens [from, from + len) into {@code dst[at .. at + len)}. */
    void read(long from, int[] dst, int at, int len);

    /** The tokens [from, to) of this source, sharing its storage. */
    default TokenSource slice(long from, long to) {
        return Slice.of(this, from, to);
    }

    /** The tokens of an array, shared (not copied): do not modify it afterwards. */
    static TokenSource of(int[] tokens) {
        return new ArrayTokens(tokens, 0, tokens.length);
    }

    /** The sources one after another. */
    static TokenSource concat(List<? extends TokenSource> parts) {
        return parts.size() == 1 ? parts.get(0) : new ConcatTokens(parts);
    }

    /** Every token, for sources known to fit one array (tests, small corpora). */
    default int[] toArray() {
        if (size() > Integer.MAX_VALUE - 8) throw new IllegalStateException(size() + " tokens do not fit one int array");
        int[] out = new int[(int) size()];
        read(0, out, 0, out.length);
        return out;
    }

    /** A window of an int array. */
    final class ArrayTokens implements TokenSource {
        private final int[] tokens;
        private final int off;
        private final int len;

        ArrayTokens(int[] tokens, int off, int len) {
            this.tokens = Objects.requireNonNull(tokens, "tokens");
            this.off = off;
            this.len = len;
        }

        @Override public long size() { return len; }

        @Override
        public void read(long from, int[] dst, int at, int n) {
            Slice.check(this, from, n);
            System.arraycopy(tokens, off + (int) from, dst, at, n);
        }

        @Override
        public TokenSource slice(long from, long to) {
            Slice.check(this, from, to - from);
            return new ArrayTokens(tokens, off + (int) from, (int) (to - from));
        }
    }

    /** [from, to) of another source. */
    final class Slice implements TokenSource {
        private final TokenSource base;
        private final long from;
        private final long size;

        private Slice(TokenSource base, long from, long size) {
            this.base = base;
            this.from = from;
            this.size = size;
        }

        static TokenSource of(TokenSource base, long from, long to) {
            check(base, from, to - from);
            return new Slice(base, from, to - from);
        }

        static void check(TokenSource s, long from, long n) {
            if (from < 0 || n < 0 || from + n > s.size()) {
                throw new IndexOutOfBoundsException("tokens [" + from + ", " + (from + n) + ") of " + s.size());
            }
        }

        @Override public long size() { return size; }

        @Override
        public void read(long at, int[] dst, int to, int n) {
            check(this, at, n);
            base.read(from + at, dst, to, n);
        }
    }

    /** Sources one after another; a window may cross from one into the next. */
    final class ConcatTokens implements TokenSource {
        private final TokenSource[] parts;
        private final long[] starts;   // starts[i] = tokens before part i; starts[n] = size

        ConcatTokens(List<? extends TokenSource> list) {
            parts = list.toArray(new TokenSource[0]);
            starts = new long[parts.length + 1];
            for (int i = 0; i < parts.length; i++) starts[i + 1] = starts[i] + parts[i].size();
        }

        @Override public long size() { return starts[parts.length]; }

        @Override
        public void read(long from, int[] dst, int at, int n) {
            Slice.check(this, from, n);
            int i = java.util.Arrays.binarySearch(starts, from);
            i = i >= 0 ? i : -i - 2;
            while (n > 0) {
                while (starts[i + 1] <= from) i++;   // skip empty parts
                int k = (int) Math.min(n, starts[i + 1] - from);
                parts[i].read(from - starts[i], dst, at, k);
                from += k;
                at += k;
                n -= k;
            }
        }
    }
}
