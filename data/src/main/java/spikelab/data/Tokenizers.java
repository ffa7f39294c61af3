package spikelab.data;

/** Builds tokenizers by kind name (the --tokenizer option) or from a stored spec. */
public final class Tokenizers {
    private Tokenizers() {}

    /** "char": alphabet of {@code text}; "byte": UTF-8 bytes (text unused). */
    public static Tokenizer create(String kind, String text) {
        if ("char".equals(kind)) return CharTokenizer.fromText(text);
        if ("byte".equals(kind)) return ByteTokenizer.INSTANCE;
        throw new IllegalArgumentException("unknown tokenizer '" + kind + "': use char or byte");
    }

    /** The tokenizer whose {@link Tokenizer#spec()} is {@code spec}. */
    public static Tokenizer fromSpec(String spec) {
        if (ByteTokenizer.SPEC.equals(spec)) return ByteTokenizer.INSTANCE;
        if (spec != null && spec.startsWith(CharTokenizer.SPEC_PREFIX)) {
            return CharTokenizer.fromSpecBody(spec.substring(CharTokenizer.SPEC_PREFIX.length()), spec);
        }
        throw badSpec(spec);
    }

    static IllegalArgumentException badSpec(String spec) {
        String shown = spec == null ? "null" : spec.length() > 60 ? spec.substring(0, 60) + "..." : spec;
        return new IllegalArgumentException("unreadable tokenizer spec '" + shown
                + "': expected 'byte' or 'char:' followed by hex code points (as written by Tokenizer.spec())");
    }
}
