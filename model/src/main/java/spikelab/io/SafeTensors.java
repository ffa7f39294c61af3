package spikelab.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * Reader for the safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8
 * JSON describing each tensor ({@code dtype}, {@code shape}, {@code data_offsets} relative to the
 * first byte after the header) plus an optional {@code __metadata__} string map, then the raw
 * little-endian tensor bytes.
 *
 * <p>The header is validated completely when the file is opened, so every later read is in
 * bounds; any defect surfaces as one {@link SafeTensorsException}. Tensor data is read on
 * demand with positional reads, so opening a large file costs only its header, and the header
 * size is capped so that a hostile length field cannot exhaust memory.
 */
public final class SafeTensors implements AutoCloseable {
    /** The reference implementation's cap; far above any header spikelab writes. */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    /** One tensor's header entry. Offsets are relative to the start of the data section. */
    public record Info(String name, DType dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) n *= d;   // validated not to overflow when parsed
            return n;
        }

        public String shapeString() {
            return Arrays.toString(shape);
        }
    }

    /** Random-access bytes: a file or an in-memory array. */
    interface Source extends AutoCloseable {
        long size() throws IOException;

        /** Fills {@code dst} completely from {@code pos} or throws. */
        void read(long pos, ByteBuffer dst) throws IOException;

        @Override
        void close() throws IOException;
    }

    private final String label;
    private final Source source;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, Info> tensors;

    private SafeTensors(String label, Source source, long dataStart, Map<String, String> metadata,
                        Map<String, Info> tensors) {
        this.label = label;
        this.source = source;
        this.dataStart = dataStart;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** Opens and validates a file; close it to release the file handle. */
    public static SafeTensors open(Path file) {
        String label = file.toString();
        if (Files.isDirectory(file)) {
            throw new SafeTensorsException(label + " is a directory, not a safetensors file");
        }
        if (!Files.exists(file)) {
            throw new SafeTensorsException(label + " does not exist");
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new SafeTensorsException("cannot open " + label + ": " + IoErrors.describe(e), e);
        }
        return parse(label, new FileSource(ch));
    }

    /** Parses and validates an in-memory file image (the array is not copied). */
    public static SafeTensors of(byte[] bytes) {
        return parse("<" + bytes.length + " bytes>", new ArraySource(bytes));
    }

    private static SafeTensors parse(String label, Source source) {
        try {
            HeaderParser.Parsed h = HeaderParser.parse(label, source, MAX_HEADER_BYTES);
            return new SafeTensors(label, source, h.dataStart(), h.metadata(), h.tensors());
        } catch (SafeTensorsException e) {
            closeQuietly(source);
            throw e;
        } catch (IOException e) {
            closeQuietly(source);
            throw new SafeTensorsException("cannot read " + label + ": " + IoErrors.describe(e), e);
        }
    }

    /** Where the data came from, for messages (a path, or a byte count). */
    public String label() { return label; }

    public Map<String, String> metadata() { return metadata; }

    /** Every tensor, in the order of its data in the file. */
    public List<Info> tensors() { return new ArrayList<>(tensors.values()); }

    public boolean contains(String name) { return tensors.containsKey(name); }

    public Info info(String name) {
        Info i = tensors.get(name);
        if (i == null) {
            String have = tensors.keySet().stream().limit(8).collect(Collectors.joining(", "));
            if (tensors.size() > 8) have += ", ...";
            throw new SafeTensorsException(label + " has no tensor '" + name + "' (it holds "
                    + tensors.size() + ": " + (have.isEmpty() ? "none" : have) + ")");
        }
        return i;
    }

    /**
     * The tensor's info after checking its dtype and, unless {@code shape} is null, its shape.
     */
    public Info require(String name, DType dtype, long[] shape) {
        Info i = info(name);
        if (i.dtype() != dtype) {
            throw new SafeTensorsException("tensor '" + name + "' in " + label + " is " + i.dtype()
                    + ", expected " + dtype);
        }
        if (shape != null && !Arrays.equals(i.shape(), shape)) {
            throw new SafeTensorsException("tensor '" + name + "' in " + label + " has shape "
                    + i.shapeString() + ", expected " + Arrays.toString(shape));
        }
        return i;
    }

    /** The F32 tensor {@code name}, whatever its shape. */
    public float[] floats(String name) { return floats(name, (long[]) null); }

    public int[] ints(String name) { return ints(name, (long[]) null); }

    public long[] longs(String name) { return longs(name, (long[]) null); }

    public byte[] bytes(String name) { return bytes(name, (long[]) null); }

    /** The F32 tensor {@code name}, which must have exactly {@code shape} ({@code new long[0]}: a scalar). */
    public float[] floats(String name, long... shape) {
        Info i = require(name, DType.F32, shape);
        float[] out = new float[arrayLength(i)];
        readInto(i, 4, (bb, at) -> bb.asFloatBuffer().get(out, at, bb.remaining() / 4));
        return out;
    }

    public int[] ints(String name, long... shape) {
        Info i = require(name, DType.I32, shape);
        int[] out = new int[arrayLength(i)];
        readInto(i, 4, (bb, at) -> bb.asIntBuffer().get(out, at, bb.remaining() / 4));
        return out;
    }

    public long[] longs(String name, long... shape) {
        Info i = require(name, DType.I64, shape);
        long[] out = new long[arrayLength(i)];
        readInto(i, 8, (bb, at) -> bb.asLongBuffer().get(out, at, bb.remaining() / 8));
        return out;
    }

    public byte[] bytes(String name, long... shape) {
        Info i = require(name, DType.U8, shape);
        byte[] out = new byte[arrayLength(i)];
        readInto(i, 1, (bb, at) -> bb.get(out, at, bb.remaining()));
        return out;
    }

    private int arrayLength(Info i) {
        long n = i.elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new SafeTensorsException("tensor '" + i.name() + "' in " + label + " has " + n
                    + " elements, more than a Java array holds");
        }
        return (int) n;
    }

    /** Streams the tensor's bytes in chunks; {@code sink} gets each chunk and its element index. */
    private void readInto(Info i, int elemBytes, BiConsumer<ByteBuffer, Integer> sink) {
        final int chunk = 1 << 16;   // a multiple of every element size
        ByteBuffer buf = ByteBuffer.allocate(chunk).order(ByteOrder.LITTLE_ENDIAN);
        long pos = i.begin();
        int element = 0;
        try {
            while (pos < i.end()) {
                int n = (int) Math.min(chunk, i.end() - pos);
                buf.clear().limit(n);
                source.read(dataStart + pos, buf);
                buf.flip();
                sink.accept(buf, element);
                element += n / elemBytes;
                pos += n;
            }
        } catch (IOException e) {
            throw new SafeTensorsException("cannot read tensor '" + i.name() + "' from " + label + ": "
                    + IoErrors.describe(e), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(source);
    }

    private static void closeQuietly(Source s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // read-only handle: nothing was pending, so there is nothing to lose
        }
    }

    private static final class FileSource implements Source {
        private final FileChannel ch;

        FileSource(FileChannel ch) { this.ch = ch; }

        @Override public long size() throws IOException { return ch.size(); }

        @Override
        public void read(long pos, ByteBuffer dst) throws IOException {
            while (dst.hasRemaining()) {
                int r = ch.read(dst, pos);
                if (r < 0) throw new IOException("unexpected end of file at byte " + pos + " (file truncated while open?)");
                pos += r;
            }
        }

        @Override public void close() throws IOException { ch.close(); }
    }

    private static final class ArraySource implements Source {
        private final byte[] a;

        ArraySource(byte[] a) { this.a = a; }

        @Override public long size() { return a.length; }

        @Override
        public void read(long pos, ByteBuffer dst) throws IOException {
            if (pos < 0 || pos + dst.remaining() > a.length) throw new IOException("read past the end of the data");
            dst.put(a, (int) pos, dst.remaining());
        }

        @Override public void close() {}
    }
}
