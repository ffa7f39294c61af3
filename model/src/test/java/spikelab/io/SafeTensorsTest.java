package spikelab.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir Path dir;

    /** A file image from a literal header and data bytes, the way a foreign writer would make it. */
    static byte[] file(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    static String message(byte[] bytes) {
        return assertThrows(SafeTensorsException.class, () -> {
            try (SafeTensors st = SafeTensors.of(bytes)) {
                for (SafeTensors.Info i : st.tensors()) i.name();
            }
        }).getMessage();
    }

    @Test
    void readsAHandWrittenFile() {
        // 1.0f, -2.0f little-endian, then I32 7
        byte[] data = {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, (byte) 0xc0, 7, 0, 0, 0};
        String json = "{\"b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[8,12]},"
                + "\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}";
        try (SafeTensors st = SafeTensors.of(file(json, data))) {
            assertArrayEquals(new float[] {1f, -2f}, st.floats("a", 1, 2));
            assertArrayEquals(new int[] {7}, st.ints("b"));
            assertEquals("pt", st.metadata().get("format"));
            assertEquals(List.of("a", "b"), st.tensors().stream().map(SafeTensors.Info::name).toList());
        }
    }

    /**
     * reference.safetensors was written by the Python safetensors package (0.8.0, save_file with
     * numpy arrays), so this reads the format as its reference implementation writes it.
     */
    @Test
    void readsAFileWrittenByTheReferenceImplementation() throws IOException {
        byte[] bytes;
        try (java.io.InputStream in = getClass().getResourceAsStream("reference-safetensors.bin")) {
            bytes = in.readAllBytes();
        }
        try (SafeTensors st = SafeTensors.of(bytes)) {
            assertArrayEquals(new float[] {1.5f, -2f, 0f, 3.25f, 1e-3f, -7f}, st.floats("weight", 2, 3));
            assertArrayEquals(new int[] {7, -1, Integer.MAX_VALUE}, st.ints("ids", 3));
            assertArrayEquals(new long[] {(1L << 40) + 3}, st.longs("step", 1));
            assertArrayEquals(new byte[] {1, 0, (byte) 255}, st.bytes("mask", 3));
            assertEquals(0, st.floats("empty", 0, 4).length);
            assertEquals("safetensors 0.8.0 save_file", st.metadata().get("source"));
        }
        // our writer pads the same header the same way (it orders equal-width tensors by insertion, not by name)
        byte[] ours = new SafeTensorsWriter().metadata("source", "safetensors 0.8.0 save_file")
                .addF32("empty", new float[0], 0, 4).addI32("ids", new int[] {7, -1, Integer.MAX_VALUE}, 3)
                .addU8("mask", new byte[] {1, 0, (byte) 255}, 3).addI64("step", new long[] {(1L << 40) + 3}, 1)
                .addF32("weight", new float[] {1.5f, -2f, 0f, 3.25f, 1e-3f, -7f}, 2, 3).toBytes();
        assertEquals(bytes.length, ours.length);
    }

    @Test
    void roundTripsEveryDtypeThroughAFileWithTheExactLayout() throws IOException {
        float[] f = {0.5f, Float.NaN, -0f, Float.MAX_VALUE, 1e-40f, 3f};
        int[] i = {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE};
        long[] l = {Long.MIN_VALUE, 42L};
        byte[] u = {1, (byte) 255, 0};
        Path p = dir.resolve("t.safetensors");
        new SafeTensorsWriter().metadata("config", "{\"a\": \"é\"}")
                .addU8("bytes", u, 3).addF32("weights", f, 2, 3).addI32("ints", i, 4).addI64("step", l, 2)
                .addF32("slice", f, 2, new long[] {2, 1})
                .write(p);
        byte[] raw = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8, "header padded so the data starts 8-aligned");
        String header = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{") && header.stripTrailing().endsWith("}"), header);
        assertEquals(6 * 4 + 4 * 4 + 2 * 8 + 2 * 4 + 3, raw.length - 8 - n, "no gaps in the data");
        try (SafeTensors st = SafeTensors.open(p)) {
            assertEquals(Float.floatToRawIntBits(f[1]), Float.floatToRawIntBits(st.floats("weights", 2, 3)[1]));
            assertArrayEquals(f, st.floats("weights", 2, 3));
            assertArrayEquals(new float[] {-0f, Float.MAX_VALUE}, st.floats("slice", 2, 1));
            assertArrayEquals(i, st.ints("ints", 4));
            assertArrayEquals(l, st.longs("step", 2));
            assertArrayEquals(u, st.bytes("bytes", 3));
            assertEquals("{\"a\": \"é\"}", st.metadata().get("config"));
            // wider types first, each tensor aligned to its element size
            assertEquals("step", st.tensors().get(0).name());
            for (SafeTensors.Info t : st.tensors()) assertEquals(0, t.begin() % t.dtype().bytes(), t.name());
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(p), s.toList(), "no temp file left beside the target");
        }
    }

    @Test
    void wrongDtypeShapeOrNameAreNamed() {
        byte[] b = new SafeTensorsWriter().addF32("w", new float[6], 2, 3).toBytes();
        try (SafeTensors st = SafeTensors.of(b)) {
            assertEquals("tensor 'w' in <" + b.length + " bytes> has shape [2, 3], expected [3, 2]",
                    assertThrows(SafeTensorsException.class, () -> st.floats("w", 3, 2)).getMessage());
            assertEquals("tensor 'w' in <" + b.length + " bytes> is F32, expected I32",
                    assertThrows(SafeTensorsException.class, () -> st.ints("w")).getMessage());
            assertEquals("<" + b.length + " bytes> has no tensor 'v' (it holds 1: w)",
                    assertThrows(SafeTensorsException.class, () -> st.floats("v")).getMessage());
        }
    }

    @Test
    void malformedFilesGiveOneClearMessage() {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] good = file(ok, new byte[8]);
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
        assertEquals("<" + truncated.length + " bytes>: tensor 'a' data_offsets [0, 8] run past the 7 data bytes present: the file is truncated",
                message(truncated));
        assertEquals("<5 bytes>: file is 5 bytes long, too short for the 8-byte header length: truncated or not a safetensors file",
                message(new byte[5]));
        byte[] huge = good.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        assertTrue(message(huge).endsWith("header length 18446744073709551615 is over the 104857600-byte limit: corrupt or not a safetensors file"));
        byte[] longer = good.clone();
        ByteBuffer.wrap(longer).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
        assertTrue(message(longer).endsWith("header length is 1000 bytes but only " + (good.length - 8)
                + " bytes follow the length field: the file is truncated"));
        assertTrue(message(file(ok.replace("F32", "F33"), new byte[8])).endsWith("tensor 'a' has unknown dtype 'F33'"));
        assertTrue(message(file(ok.replace("[2]", "[3]"), new byte[8]))
                .endsWith("tensor 'a' is F32 [3] (12 bytes) but its data_offsets span 8 bytes"));
        assertTrue(message(file(ok, new byte[9])).endsWith("data has 1 bytes after the last tensor that no tensor covers"));
        assertTrue(message(file(ok.replace("[0,8]", "[4,12]"), new byte[12])).endsWith("data has a gap of 4 bytes before tensor 'a'"));
        String two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertTrue(message(file(two, new byte[8])).contains("tensor 'b' overlaps the tensor before it"));
        assertTrue(message(file(two.replace("\"b\"", "\"a\""), new byte[8])).endsWith("header lists 'a' twice"));
        assertTrue(message(file(ok.replace("2]", "2.5]"), new byte[8])).contains("not a non-negative integer"));
        assertTrue(message(file(ok.substring(0, 20), new byte[0])).contains("header is not valid JSON"));
        assertTrue(message(file("[1]" + ok, new byte[8])).endsWith("header does not start with '{': not a safetensors file"));
        assertTrue(message(file(ok + "x", new byte[8])).contains("header is not valid JSON"));
        assertTrue(message(file("{\"__metadata__\":{\"k\":1}}", new byte[0])).endsWith("__metadata__ value 'k' must be a string"));
        byte[] badUtf8 = file(ok, new byte[8]);
        badUtf8[10] = (byte) 0xff;
        assertTrue(message(badUtf8).endsWith("header is not valid UTF-8"));
    }

    @Test
    void paddingAndEmptyFilesAreAccepted() {
        try (SafeTensors st = SafeTensors.of(file("{}      ", new byte[0]))) {
            assertTrue(st.tensors().isEmpty());
        }
        byte[] b = new SafeTensorsWriter().addF32("empty", new float[0], 0, 4).toBytes();
        try (SafeTensors st = SafeTensors.of(b)) {
            assertEquals(0, st.floats("empty", 0, 4).length);
        }
    }

    @Test
    void fullDiskLeavesNoFileAndKeepsTheOldOne() throws IOException {
        Path target = dir.resolve("model.safetensors");
        Files.writeString(target, "previous checkpoint");
        SafeTensorsWriter w = new SafeTensorsWriter().addF32("w", new float[100_000], 100_000);
        SafeTensorsWriter.SinkOpener fullAfter4k = file -> new SafeTensorsWriter.Sink() {
            long written;
            @Override public int write(ByteBuffer src) throws IOException {
                if (written + src.remaining() > 4096) throw new IOException("No space left on device");
                written += src.remaining();
                Files.write(file, new byte[src.remaining()], java.nio.file.StandardOpenOption.APPEND);
                src.position(src.limit());
                return (int) written;
            }
            @Override public boolean isOpen() { return true; }
            @Override public void close() {}
            @Override public void sync() {}
        };
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> w.write(target, fullAfter4k));
        assertEquals("cannot write " + target + ": no space left on device (free some space or write somewhere else)", e.getMessage());
        assertEquals("previous checkpoint", Files.readString(target));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(target), s.toList(), "the partial temp file is deleted");
        }
    }

    @Test
    void missingOrBlockedDirectoryIsNamed() throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter().addF32("w", new float[1], 1);
        Path missing = dir.resolve("nope/model.safetensors");
        assertEquals("cannot write " + missing + ": directory " + dir.resolve("nope") + " does not exist",
                assertThrows(SafeTensorsException.class, () -> w.write(missing)).getMessage());
        Path file = Files.writeString(dir.resolve("plain"), "x");
        assertEquals("cannot write " + file.resolve("m") + ": directory " + file + " is not a directory",
                assertThrows(SafeTensorsException.class, () -> w.write(file.resolve("m"))).getMessage());
        assertEquals(dir + " is a directory, not a safetensors file",
                assertThrows(SafeTensorsException.class, () -> SafeTensors.open(dir)).getMessage());
        assertEquals(missing + " does not exist",
                assertThrows(SafeTensorsException.class, () -> SafeTensors.open(missing)).getMessage());
    }
}
