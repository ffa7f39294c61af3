package spikelab.io;

import com.google.gson.stream.JsonWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a safetensors file from Java arrays (which are referenced, not copied, until written).
 *
 * <p>Tensors are laid out in the order added, except that wider element types come first
 * (stable), as the reference implementation does: with the header padded to a multiple of 8,
 * every tensor then starts at an offset aligned to its element size, so readers may map it.
 * {@link #write(Path)} is all or nothing: a temp file beside the target, fsync, rename.
 */
public final class SafeTensorsWriter {
    private record Entry(String name, DType dtype, long[] shape, Object data, int offset, int length) {
        long bytes() { return (long) length * dtype.bytes(); }
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    public SafeTensorsWriter metadata(String key, String value) {
        if (key == null || value == null) throw new IllegalArgumentException("metadata keys and values must not be null");
        metadata.put(key, value);
        return this;
    }

    public SafeTensorsWriter addF32(String name, float[] data, long... shape) {
        return addF32(name, data, 0, shape);
    }

    /** {@code product(shape)} floats of {@code data} starting at {@code offset}. */
    public SafeTensorsWriter addF32(String name, float[] data, int offset, long[] shape) {
        return add(name, DType.F32, shape, data, offset, data.length);
    }

    public SafeTensorsWriter addI32(String name, int[] data, long... shape) {
        return add(name, DType.I32, shape, data, 0, data.length);
    }

    public SafeTensorsWriter addI64(String name, long[] data, long... shape) {
        return add(name, DType.I64, shape, data, 0, data.length);
    }

    public SafeTensorsWriter addU8(String name, byte[] data, long... shape) {
        return add(name, DType.U8, shape, data, 0, data.length);
    }

    private SafeTensorsWriter add(String name, DType dtype, long[] shape, Object data, int offset, int arrayLength) {
        if (name == null || name.isEmpty() || name.equals("__metadata__")) {
            throw new IllegalArgumentException("tensor name '" + name + "' is not allowed in a safetensors file");
        }
        if (!names.add(name)) throw new IllegalArgumentException("tensor '" + name + "' added twice");
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        if (offset < 0 || n > arrayLength - offset) {
            throw new IllegalArgumentException("tensor '" + name + "' shape " + Arrays.toString(shape) + " needs " + n
                    + " elements from offset " + offset + " but the array holds " + arrayLength);
        }
        entries.add(new Entry(name, dtype, shape.clone(), data, offset, (int) n));
        return this;
    }

    private List<Entry> layout() {
        List<Entry> order = new ArrayList<>(entries);
        order.sort(Comparator.comparingInt((Entry e) -> -e.dtype().bytes()));
        return order;
    }

    /** The header bytes, padded with spaces so that the data starts at a multiple of 8. */
    private byte[] header(List<Entry> order) {
        StringWriter sw = new StringWriter();
        try (JsonWriter w = new JsonWriter(sw)) {
            w.beginObject();
            if (!metadata.isEmpty()) {
                w.name("__metadata__").beginObject();
                for (Map.Entry<String, String> m : metadata.entrySet()) w.name(m.getKey()).value(m.getValue());
                w.endObject();
            }
            long at = 0;
            for (Entry e : order) {
                w.name(e.name()).beginObject();
                w.name("dtype").value(e.dtype().name());
                w.name("shape").beginArray();
                for (long d : e.shape()) w.value(d);
                w.endArray();
                w.name("data_offsets").beginArray().value(at).value(at + e.bytes()).endArray();
                w.endObject();
                at += e.bytes();
            }
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // a StringWriter does not fail
        }
        byte[] json = sw.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** The whole file image in memory (for small files and tests). */
    public byte[] toBytes() {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try {
            writeTo(Channels.newChannel(bos));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    private void writeTo(WritableByteChannel ch) throws IOException {
        List<Entry> order = layout();
        byte[] header = header(order);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length);
        drain(ch, buf.flip());
        drain(ch, ByteBuffer.wrap(header));
        for (Entry e : order) {
            int done = 0;
            int per = buf.capacity() / e.dtype().bytes();
            while (done < e.length()) {
                int k = Math.min(per, e.length() - done);
                buf.clear();
                int from = e.offset() + done;
                switch (e.dtype()) {
                    case F32: buf.asFloatBuffer().put((float[]) e.data(), from, k); break;
                    case I32: buf.asIntBuffer().put((int[]) e.data(), from, k); break;
                    case I64: buf.asLongBuffer().put((long[]) e.data(), from, k); break;
                    case U8: buf.put((byte[]) e.data(), from, k); break;
                    default: throw new AssertionError(e.dtype());
                }
                buf.position(0).limit(k * e.dtype().bytes());
                drain(ch, buf);
                done += k;
            }
        }
    }

    private static void drain(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Where bytes go; the file one is replaced in tests by one that fails like a full disk. */
    interface Sink extends WritableByteChannel {
        /** Flush to stable storage. */
        void sync() throws IOException;
    }

    interface SinkOpener {
        Sink open(Path file) throws IOException;
    }

    /**
     * Writes atomically: on success {@code target} holds the complete file; on any failure it
     * is untouched (the old file, if any, remains), the temp file is deleted and a
     * {@link SafeTensorsException} says why.
     */
    public void write(Path target) {
        write(target, SafeTensorsWriter::fileSink);
    }

    void write(Path target, SinkOpener opener) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new SafeTensorsException("cannot write " + target + ": directory " + dir
                    + (dir != null && Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            try {
                // temp files are created owner-only; a checkpoint is meant to be shared like any output
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException notPosix) {
                // the platform's default permissions then apply
            }
            try (Sink sink = opener.open(tmp)) {
                writeTo(sink);
                sink.sync();
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new SafeTensorsException("cannot write " + target + ": " + IoErrors.describe(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one worth reporting
                }
            }
        }
    }

    private static Sink fileSink(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        return new Sink() {
            @Override public int write(ByteBuffer src) throws IOException { return ch.write(src); }
            @Override public boolean isOpen() { return ch.isOpen(); }
            @Override public void close() throws IOException { ch.close(); }
            @Override public void sync() throws IOException { ch.force(true); }
        };
    }
}
