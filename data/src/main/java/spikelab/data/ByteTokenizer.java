package spikelab.data;

import java.nio.charset.StandardCharsets;

/** One token per UTF-8 byte (V = 256): any text is representable, nothing depends on the corpus. */
public final class ByteTokenizer implements Tokenizer {
    public static final ByteTokenizer INSTANCE = new ByteTokenizer();
    static final String SPEC = "byte";

    private ByteTokenizer() {}

    @Override public int vocabSize() { return 256; }
    @Override public String spec() { return SPEC; }
    @Override public String kind() { return "byte"; }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xFF;
        return ids;
    }

    /**
     * Byte sequences from a model need not be valid UTF-8 (a sample may stop inside a character), so
     * malformed bytes become U+FFFD instead of an error.
     */
    @Override
    public String decode(int[] ids) {
        byte[] bytes = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id > 255) {
                throw new IllegalArgumentException("token id " + id + " at position " + i
                        + " is outside the byte vocabulary [0, 256): decode only ids produced by this tokenizer");
            }
            bytes[i] = (byte) id;
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override public boolean equals(Object o) { return o instanceof ByteTokenizer; }
    @Override public int hashCode() { return SPEC.hashCode(); }
    @Override public String toString() { return "ByteTokenizer(V=256)"; }
}
