package spikelab.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * llm.c's token shard: a header of 256 little-endian int32 (magic 20240520, version 1, token
 * count, the rest 0) followed by the tokens as little-endian uint16. Read memory-mapped, so a
 * shard of hundreds of millions of tokens costs no heap.
 */
public final class TokenShard implements TokenSource {
    public static final int MAGIC = 20240520;
    public static final int VERSION = 1;
    public static final int HEADER_INTS = 256;
    public static final int HEADER_BYTES = HEADER_INTS * 4;
    /** uint16 ids: a shard cannot hold a larger vocabulary. */
    public static final int MAX_VOCAB = 1 << 16;

    private final Path path;
    private final ShortBuffer tokens;

    private TokenShard(Path path, ShortBuffer tokens) {
        this.path = path;
        this.tokens = tokens;
    }

    public Path path() { return path; }

    @Override public long size() { return tokens.capacity(); }

    @Override
    public void read(long from, int[] dst, int at, int n) {
        Slice.check(this, from, n);
        int f = (int) from;
        for (int i = 0; i < n; i++) dst[at + i] = tokens.get(f + i) & 0xFFFF;
    }

    /**
     * Maps a shard and checks its header, its length and that every token is below
     * {@code vocabSize}; every problem is an {@link IllegalArgumentException} naming the file.
     */
    public static TokenShard open(Path path, int vocabSize) {
        String name = "token shard '" + path + "'";
        if (!Files.isRegularFile(path)) throw new IllegalArgumentException(name + " does not exist: pass an llm.c .bin shard (spikelab tokenize writes them)");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long bytes = ch.size();
            if (bytes < HEADER_BYTES) {
                throw new IllegalArgumentException(name + " is truncated: " + bytes + " bytes, shorter than the "
                        + HEADER_BYTES + "-byte header: rewrite it with spikelab tokenize");
            }
            ByteBuffer hb = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (hb.hasRemaining() && ch.read(hb, hb.position()) >= 0) { /* fill */ }
            IntBuffer header = hb.flip().asIntBuffer();
            if (header.get(0) != MAGIC) {
                throw new IllegalArgumentException(name + " has magic " + header.get(0) + ", not llm.c's " + MAGIC
                        + ": it is not a token shard (pass text files without the .bin suffix, or rewrite it with spikelab tokenize)");
            }
            if (header.get(1) != VERSION) {
                throw new IllegalArgumentException(name + " has version " + header.get(1) + ", but only version " + VERSION
                        + " (uint16 tokens) is supported: rewrite it with spikelab tokenize");
            }
            long count = header.get(2) & 0xFFFFFFFFL;
            long want = HEADER_BYTES + 2 * count;
            if (bytes < want) {
                throw new IllegalArgumentException(name + " is truncated: its header promises " + count + " tokens ("
                        + want + " bytes) but the file has " + bytes + " bytes: rewrite or re-download it");
            }
            if (bytes > want) {
                throw new IllegalArgumentException(name + " has " + (bytes - want) + " bytes after its " + count
                        + " tokens: the header's token count is wrong; rewrite it with spikelab tokenize");
            }
            if (count > Integer.MAX_VALUE / 2) {
                throw new IllegalArgumentException(name + " holds " + count + " tokens, more than one shard may ("
                        + Integer.MAX_VALUE / 2 + "): split it into several shards");
            }
            if (count == 0) throw new IllegalArgumentException(name + " holds no tokens: rewrite it from a non-empty text");
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, HEADER_BYTES, 2 * count);
            TokenShard shard = new TokenShard(path, map.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer());
            shard.checkVocab(vocabSize);
            return shard;
        } catch (IOException e) {
            throw new IllegalArgumentException(name + " cannot be read (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "): check the path and its permissions");
        }
    }

    private void checkVocab(int vocabSize) {
        int n = tokens.capacity();
        for (int i = 0; i < n; i++) {
            int id = tokens.get(i) & 0xFFFF;
            if (id >= vocabSize) {
                throw new IllegalArgumentException("token shard '" + path + "' holds token id " + id + " at position " + i
                        + ", outside the tokenizer's vocabulary of " + vocabSize + ": pass the --tokenizer the shard was written with");
            }
        }
    }

    /** Writes {@code tokens} as a shard, atomically (a temp file renamed into place). */
    public static void write(Path path, int[] tokens, int vocabSize) {
        if (vocabSize > MAX_VOCAB) {
            throw new IllegalArgumentException("a token shard stores uint16 ids, but the tokenizer has " + vocabSize
                    + " tokens: use a tokenizer with at most " + MAX_VOCAB);
        }
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens to write to '" + path + "': the input text is empty");
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + 2 * tokens.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC).putInt(VERSION).putInt(tokens.length);
        buf.position(HEADER_BYTES);
        for (int t : tokens) {
            if (t < 0 || t >= vocabSize) throw new IllegalArgumentException("token id " + t + " is outside [0, " + vocabSize + ")");
            buf.putShort((short) t);
        }
        Path abs = path.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        try {
            if (abs.getParent() != null) Files.createDirectories(abs.getParent());
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(buf.array());
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the original error is the one to report
            }
            throw new IllegalArgumentException("cannot write token shard '" + path + "' (" + e.getClass().getSimpleName()
                    + "): check that its directory is writable");
        }
    }

    @Override public String toString() { return "TokenShard(" + path + ", " + size() + " tokens)"; }
}
