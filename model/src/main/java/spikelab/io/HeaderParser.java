package spikelab.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and fully validates a safetensors header. The JSON is read with a streaming reader
 * against the one schema the format allows, so duplicate keys are seen (a tree parser would
 * silently keep the last) and no input can recurse deeply or allocate beyond the header size.
 */
final class HeaderParser {
    private HeaderParser() {}

    record Parsed(long dataStart, Map<String, String> metadata, Map<String, SafeTensors.Info> tensors) {}

    static Parsed parse(String label, SafeTensors.Source src, long maxHeader) throws IOException {
        long size = src.size();
        if (size < 8) {
            throw bad(label, "file is " + size + " bytes long, too short for the 8-byte header length: truncated or not a safetensors file");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        src.read(0, lenBuf);
        long n = lenBuf.getLong(0);
        if (n < 0 || n > maxHeader) {
            throw bad(label, "header length " + Long.toUnsignedString(n) + " is over the "
                    + maxHeader + "-byte limit: corrupt or not a safetensors file");
        }
        if (n > size - 8) {
            throw bad(label, "header length is " + n + " bytes but only " + (size - 8)
                    + " bytes follow the length field: the file is truncated");
        }
        if (n < 2) {
            throw bad(label, "header length " + n + " is too short for a JSON object");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        src.read(8, hb);
        hb.flip();
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw bad(label, "header is not valid UTF-8");
        }
        if (json.charAt(0) != '{') {
            throw bad(label, "header does not start with '{': not a safetensors file");
        }
        long dataLength = size - 8 - n;
        Parsed p;
        try {
            p = readJson(label, json, n + 8);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SafeTensorsException) throw (SafeTensorsException) e;
            throw bad(label, "header is not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        checkLayout(label, p.tensors(), dataLength);
        return p;
    }

    private static Parsed readJson(String label, String json, long dataStart) throws IOException {
        JsonReader r = new JsonReader(new StringReader(json));
        r.setStrictness(Strictness.STRICT);
        Map<String, String> metadata = new LinkedHashMap<>();
        List<SafeTensors.Info> list = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (!keys.add(key)) throw bad(label, "header lists '" + clip(key) + "' twice");
            if (key.equals("__metadata__")) {
                expect(label, r, JsonToken.BEGIN_OBJECT, "__metadata__ must be an object of strings");
                r.beginObject();
                while (r.hasNext()) {
                    String k = r.nextName();
                    expect(label, r, JsonToken.STRING, "__metadata__ value '" + clip(k) + "' must be a string");
                    if (metadata.put(k, r.nextString()) != null) {
                        throw bad(label, "__metadata__ has key '" + clip(k) + "' twice");
                    }
                }
                r.endObject();
            } else {
                list.add(readTensor(label, r, key));
            }
        }
        r.endObject();
        if (r.peek() != JsonToken.END_DOCUMENT) throw bad(label, "header has data after its JSON object");
        // Order by position in the data section: the order checkLayout walks and callers iterate.
        list.sort(Comparator.comparingLong(SafeTensors.Info::begin).thenComparingLong(SafeTensors.Info::end));
        Map<String, SafeTensors.Info> tensors = new LinkedHashMap<>();
        for (SafeTensors.Info i : list) tensors.put(i.name(), i);
        return new Parsed(dataStart, metadata, tensors);
    }

    private static SafeTensors.Info readTensor(String label, JsonReader r, String name) throws IOException {
        String where = "tensor '" + clip(name) + "'";
        expect(label, r, JsonToken.BEGIN_OBJECT, where + " must be an object with dtype, shape and data_offsets");
        r.beginObject();
        DType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        while (r.hasNext()) {
            String field = r.nextName();
            switch (field) {
                case "dtype": {
                    if (dtype != null) throw bad(label, where + " has dtype twice");
                    expect(label, r, JsonToken.STRING, where + " dtype must be a string");
                    String s = r.nextString();
                    dtype = DType.fromHeader(s);
                    if (dtype == null) throw bad(label, where + " has unknown dtype '" + clip(s) + "'");
                    break;
                }
                case "shape":
                    if (shape != null) throw bad(label, where + " has shape twice");
                    shape = readLongs(label, r, where + " shape");
                    break;
                case "data_offsets":
                    if (offsets != null) throw bad(label, where + " has data_offsets twice");
                    offsets = readLongs(label, r, where + " data_offsets");
                    if (offsets.length != 2) throw bad(label, where + " data_offsets must be [begin, end], got " + offsets.length + " numbers");
                    break;
                default:
                    throw bad(label, where + " has unknown field '" + clip(field) + "'");
            }
        }
        r.endObject();
        if (dtype == null || shape == null || offsets == null) {
            throw bad(label, where + " lacks " + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
        }
        long bytes;
        try {
            long elements = 1;
            for (long d : shape) elements = Math.multiplyExact(elements, d);
            bytes = Math.multiplyExact(elements, (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw bad(label, where + " shape " + java.util.Arrays.toString(shape) + " is too large");
        }
        if (offsets[0] > offsets[1]) {
            throw bad(label, where + " data_offsets [" + offsets[0] + ", " + offsets[1] + "] end before they begin");
        }
        if (offsets[1] - offsets[0] != bytes) {
            throw bad(label, where + " is " + dtype + " " + java.util.Arrays.toString(shape) + " (" + bytes
                    + " bytes) but its data_offsets span " + (offsets[1] - offsets[0]) + " bytes");
        }
        return new SafeTensors.Info(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** A JSON array of non-negative integers written as plain digits. */
    private static long[] readLongs(String label, JsonReader r, String what) throws IOException {
        expect(label, r, JsonToken.BEGIN_ARRAY, what + " must be an array of integers");
        r.beginArray();
        long[] out = new long[4];
        int n = 0;
        while (r.hasNext()) {
            expect(label, r, JsonToken.NUMBER, what + " must be an array of integers");
            String s = r.nextString();
            if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw bad(label, what + " has '" + clip(s) + "', not a non-negative integer below 2^63");
            }
            if (n == out.length) out = java.util.Arrays.copyOf(out, 2 * n);
            out[n++] = Long.parseLong(s);   // ≤ 19 digits of 0-9 always fits in a long
        }
        r.endArray();
        return java.util.Arrays.copyOf(out, n);
    }

    /** Data must be covered exactly: sorted by offset, each tensor starts where the last ended. */
    private static void checkLayout(String label, Map<String, SafeTensors.Info> tensors, long dataLength) {
        long expected = 0;
        for (SafeTensors.Info i : tensors.values()) {
            if (i.end() > dataLength) {
                throw bad(label, "tensor '" + i.name() + "' data_offsets [" + i.begin() + ", " + i.end()
                        + "] run past the " + dataLength + " data bytes present: the file is truncated");
            }
        }
        for (SafeTensors.Info i : tensors.values()) {
            if (i.begin() > expected) {
                throw bad(label, "data has a gap of " + (i.begin() - expected) + " bytes before tensor '" + i.name() + "'");
            }
            if (i.begin() < expected) {
                throw bad(label, "tensor '" + i.name() + "' overlaps the tensor before it (begins at " + i.begin()
                        + ", previous ends at " + expected + ")");
            }
            expected = i.end();
        }
        if (expected != dataLength) {
            throw bad(label, "data has " + (dataLength - expected) + " bytes after the last tensor that no tensor covers");
        }
    }

    private static void expect(String label, JsonReader r, JsonToken t, String message) throws IOException {
        if (r.peek() != t) throw bad(label, message);
    }

    private static SafeTensorsException bad(String label, String what) {
        return new SafeTensorsException(label + ": " + what);
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static String firstLine(String m) {
        if (m == null) return "unexpected end";
        int cut = m.indexOf('\n');
        String s = cut < 0 ? m : m.substring(0, cut);
        int see = s.indexOf(" See ");
        return see < 0 ? s : s.substring(0, see);
    }
}
