package spikelab.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property: whatever bytes the reader is given, it either parses them (and then every tensor
 * reads back in bounds) or throws {@link SafeTensorsException}; never another exception, never
 * a hang. Inputs are valid files put through the damage a disk, a copy or a person can do.
 */
class SafeTensorsFuzzTest {
    private static final int CASES = 4000;

    @Test
    void randomAndMutatedBytesOnlyEverGiveSafeTensorsException() {
        int[] outcome = new int[2];   // parsed, rejected
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            SplittableRandom rnd = new SplittableRandom(20261123L);
            for (int c = 0; c < CASES; c++) {
                byte[] input = mutate(validFile(rnd), rnd, c % 10);
                try (SafeTensors st = SafeTensors.of(input)) {
                    readEverything(st);
                    outcome[0]++;
                } catch (SafeTensorsException e) {
                    if (e.getMessage() == null || e.getMessage().contains("\n")) {
                        fail("case " + c + ": message is not one line: " + e.getMessage());
                    }
                    outcome[1]++;
                } catch (Throwable t) {
                    throw new AssertionError("case " + c + " (mutation " + (c % 10) + ") threw " + t
                            + " for input " + preview(input), t);
                }
            }
        });
        assertEquals(CASES, outcome[0] + outcome[1]);
        // Both paths must be exercised, or the generator is not testing what it claims.
        if (outcome[0] < CASES / 20 || outcome[1] < CASES / 2) {
            fail("unbalanced fuzz: " + outcome[0] + " parsed, " + outcome[1] + " rejected");
        }
    }

    private static void readEverything(SafeTensors st) {
        for (SafeTensors.Info i : st.tensors()) {
            switch (i.dtype()) {
                case F32: st.floats(i.name()); break;
                case I32: st.ints(i.name()); break;
                case I64: st.longs(i.name()); break;
                case U8: st.bytes(i.name()); break;
                default: st.info(i.name());
            }
        }
        st.metadata().forEach((k, v) -> k.length());
    }

    static byte[] validFile(SplittableRandom rnd) {
        SafeTensorsWriter w = new SafeTensorsWriter();
        int n = rnd.nextInt(4);
        for (int t = 0; t < n; t++) {
            long[] shape = new long[rnd.nextInt(3)];
            int size = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = rnd.nextInt(4);
                size *= (int) shape[d];
            }
            switch (rnd.nextInt(4)) {
                case 0: w.addF32("w" + t, new float[size], shape); break;
                case 1: w.addI32("i" + t, new int[size], shape); break;
                case 2: w.addI64("l" + t, new long[size], shape); break;
                default: w.addU8("b" + t, new byte[size], shape);
            }
        }
        if (rnd.nextBoolean()) w.metadata("config", "{\"layers\": " + rnd.nextInt(10) + "}");
        return w.toBytes();
    }

    static byte[] mutate(byte[] f, SplittableRandom rnd, int kind) {
        switch (kind) {
            case 0: // truncate anywhere
                return Arrays.copyOf(f, rnd.nextInt(f.length + 1));
            case 1: { // flip a few bytes anywhere
                byte[] g = f.clone();
                for (int k = 1 + rnd.nextInt(4); k > 0; k--) g[rnd.nextInt(g.length)] ^= (byte) (1 + rnd.nextInt(255));
                return g;
            }
            case 2: { // a bogus header length
                byte[] g = f.clone();
                long[] choices = {rnd.nextLong(), rnd.nextInt(64), g.length, g.length - 8, -8, Long.MAX_VALUE, 1L << 31};
                ByteBuffer.wrap(g).order(ByteOrder.LITTLE_ENDIAN).putLong(0, choices[rnd.nextInt(choices.length)]);
                return g;
            }
            case 3: { // pure noise
                byte[] g = new byte[rnd.nextInt(64)];
                for (int i = 0; i < g.length; i++) g[i] = (byte) rnd.nextInt(256);
                return g;
            }
            case 4: { // damage the tensor data only: must still parse, values are whatever they are
                byte[] g = f.clone();
                int dataStart = 8 + (int) ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
                if (dataStart < g.length) g[rnd.nextInt(dataStart, g.length)] ^= (byte) 0x5a;
                return g;
            }
            case 5: // append or remove bytes at the end
                return Arrays.copyOf(f, Math.max(0, f.length + rnd.nextInt(-8, 9)));
            default: // edit the JSON text and fix up the length, so the damage reaches the validator
                return withHeader(f, editJson(header(f), rnd));
        }
    }

    private static String header(byte[] f) {
        int n = (int) ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        return new String(f, 8, n, StandardCharsets.UTF_8);
    }

    private static byte[] withHeader(byte[] f, String json) {
        int oldN = (int) ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + f.length - 8 - oldN).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(f, 8 + oldN, f.length - 8 - oldN);
        return b.array();
    }

    private static final String[] TOKENS = {
        "{", "}", "[", "]", ",", ":", "\"", "0", "1", "8", "-1", "1e3", "99999999999999999999", "null", "true",
        "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"F32\"", "\"I64\"", "\"BF16\"", "\"__metadata__\"", "\\u0000",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "\"w0\":{}", " ",
    };

    private static String editJson(String json, SplittableRandom rnd) {
        StringBuilder s = new StringBuilder(json);
        for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
            int at = s.length() == 0 ? 0 : rnd.nextInt(s.length());
            switch (rnd.nextInt(4)) {
                case 0: if (s.length() > 0) s.deleteCharAt(at); break;
                case 1: s.insert(at, TOKENS[rnd.nextInt(TOKENS.length)]); break;
                case 2: if (s.length() > 0) s.setCharAt(at, (char) (32 + rnd.nextInt(95))); break;
                default: { // duplicate a slice: repeated keys, repeated tensors
                    int end = Math.min(s.length(), at + rnd.nextInt(60));
                    s.insert(end, s.substring(at, end));
                }
            }
        }
        return s.toString();
    }

    private static String preview(byte[] b) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
