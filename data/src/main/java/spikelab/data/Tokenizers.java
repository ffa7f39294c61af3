package spikelab.data;

import java.nio.file.Path;

/** Builds tokenizers by name (the --tokenizer option) or from a stored spec. */
public final class Tokenizers {
    /** What --tokenizer accepts, for messages. */
    public static final String CHOICES = "char, byte, gpt2, auto or the path of a tokenizer.json";

    private Tokenizers() {}

    /**
     * "char": alphabet of {@code text}; "byte": UTF-8 bytes; "gpt2": GPT-2's BPE; a name ending in
     * ".json": that Hugging Face tokenizer file ({@code text} is unused except by char).
     */
    public static Tokenizer create(String kind, String text) {
        if ("char".equals(kind)) return CharTokenizer.fromText(text);
        if ("byte".equals(kind)) return ByteTokenizer.INSTANCE;
        if (HfTokenizer.GPT2_SPEC.equals(kind)) return HfTokenizer.gpt2();
        if (isFile(kind)) return HfTokenizer.fromFile(Path.of(kind));
        throw new IllegalArgumentException("unknown tokenizer '" + kind + "': use " + CHOICES);
    }

    /** Whether {@code kind} names a tokenizer.json file rather than a built-in tokenizer. */
    public static boolean isFile(String kind) {
        return kind != null && kind.endsWith(".json");
    }

    /** Checks a --tokenizer value without building anything. */
    public static void checkName(String kind) {
        if (kind == null || !(kind.equals("char") || kind.equals("byte") || kind.equals("gpt2") || kind.equals("auto") || isFile(kind))) {
            throw new IllegalArgumentException("unknown tokenizer '" + kind + "': use " + CHOICES);
        }
    }

    /** The tokenizer whose {@link Tokenizer#spec()} is {@code spec}. */
    public static Tokenizer fromSpec(String spec) {
        if (ByteTokenizer.SPEC.equals(spec)) return ByteTokenizer.INSTANCE;
        if (HfTokenizer.GPT2_SPEC.equals(spec)) return HfTokenizer.gpt2();
        if (spec != null && spec.startsWith(HfTokenizer.JSON_SPEC_PREFIX)) {
            return HfTokenizer.fromJson(spec.substring(HfTokenizer.JSON_SPEC_PREFIX.length()), "the stored tokenizer.json");
        }
        if (spec != null && spec.startsWith(CharTokenizer.SPEC_PREFIX)) {
            return CharTokenizer.fromSpecBody(spec.substring(CharTokenizer.SPEC_PREFIX.length()), spec);
        }
        throw badSpec(spec);
    }

    /** A short form of a spec for logs and config.json (an embedded tokenizer.json becomes its hash). */
    public static String label(String spec) {
        return HfTokenizer.label(spec);
    }

    static IllegalArgumentException badSpec(String spec) {
        String shown = spec == null ? "null" : spec.length() > 60 ? spec.substring(0, 60) + "..." : spec;
        return new IllegalArgumentException("unreadable tokenizer spec '" + shown
                + "': expected 'byte', 'gpt2', 'hf-json:' followed by a tokenizer.json, or 'char:' followed by hex code points");
    }
}
