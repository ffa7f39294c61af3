package spikelab.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.function.IntConsumer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * A Hugging Face tokenizer.json run by the Rust {@code tokenizers} library through DJL: GPT-2's
 * byte-level BPE (shipped in this module, see scripts/gpt2-tokenizer.py) or any file the user
 * names. Its spec embeds the whole file (except for the built-in GPT-2), so a checkpoint decodes
 * without the original file.
 *
 * <p>DJL is held offline: {@code ai.djl.offline=true} is set before the library loads unless the
 * user set it, so it uses the native library in its own jar and never downloads one.
 */
public final class HfTokenizer implements Tokenizer {
    static final String GPT2_SPEC = "gpt2";
    static final String JSON_SPEC_PREFIX = "hf-json:";
    static final String GPT2_RESOURCE = "/spikelab/data/gpt2-tokenizer.json";
    /** Encoding runs on chunks of about this many chars, cut where no pre-token can straddle. */
    static final int CHUNK = 1 << 16;

    private static volatile HfTokenizer gpt2;

    private final String spec;
    private final String kind;
    private final int vocabSize;
    private final HuggingFaceTokenizer hf;

    private HfTokenizer(String spec, String kind, String json, String what) {
        this.spec = spec;
        this.kind = kind;
        this.vocabSize = vocabSize(json, what);
        configureOffline();
        try (InputStream in = new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))) {
            // no special tokens, truncation or padding: a corpus is one long sequence
            this.hf = HuggingFaceTokenizer.newInstance(in, Map.of("addSpecialTokens", "false", "truncation", "false",
                    "padding", "false", "maxLength", "-1", "modelMaxLength", String.valueOf(Integer.MAX_VALUE)));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(what + " is not a tokenizer the Hugging Face library accepts ("
                    + oneLine(e.getMessage()) + "): pass a tokenizer.json saved by tokenizers or transformers");
        }
    }

    /** GPT-2's byte-level BPE, 50,257 tokens (id 50256 is <|endoftext|>). */
    public static HfTokenizer gpt2() {
        HfTokenizer t = gpt2;
        if (t == null) {
            synchronized (HfTokenizer.class) {
                if (gpt2 == null) gpt2 = new HfTokenizer(GPT2_SPEC, "gpt2", resource(GPT2_RESOURCE), "the built-in GPT-2 tokenizer");
                t = gpt2;
            }
        }
        return t;
    }

    /** A tokenizer.json file. */
    public static HfTokenizer fromFile(Path path) {
        String what = "tokenizer file '" + path + "'";
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(what + " does not exist: pass char, byte, gpt2 or the path of a tokenizer.json");
        }
        String json;
        try {
            json = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " cannot be read as UTF-8 (" + e.getClass().getSimpleName()
                    + "): pass a tokenizer.json saved by tokenizers or transformers");
        }
        return fromJson(json, what);
    }

    static HfTokenizer fromJson(String json, String what) {
        // re-serialised compactly so that the same tokenizer gets the same spec however the file was indented
        JsonObject root = parse(json, what);
        return new HfTokenizer(JSON_SPEC_PREFIX + root, "tokenizer.json", root.toString(), what);
    }

    @Override public int vocabSize() { return vocabSize; }
    @Override public String spec() { return spec; }
    @Override public String kind() { return kind; }

    @Override
    public int[] encode(String text) {
        return encode(text, null);
    }

    /**
     * As {@link #encode(String)}, reporting the chars done after each chunk. Chunks end right after
     * a lone '\n' (no whitespace before it) that a letter follows: GPT-2's pre-tokenizer always
     * splits there, and the '\n' is a piece of its own either way, so the ids equal those of
     * encoding the text in one piece. (After "\n\n" it would not be: at the end of a chunk the
     * run becomes one piece, "\n\n", where the whole text has "\n", "\n".)
     */
    public int[] encode(String text, IntConsumer charsDone) {
        IntList out = new IntList(text.length() / 3 + 16);
        int start = 0;
        while (start < text.length()) {
            // only GPT-2's pre-tokenizer is known to split at the cut; other files are encoded whole
            int end = GPT2_SPEC.equals(spec) ? cut(text, start + CHUNK) : text.length();
            for (long id : hf.encode(text.substring(start, end), false, false).getIds()) out.add((int) id);
            start = end;
            if (charsDone != null) charsDone.accept(start);
        }
        return out.toArray();
    }

    /** The ids of the text encoded in one piece (to check the chunking). */
    int[] encodeWhole(String text) {
        long[] ids = hf.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    /** The first safe cut at or after {@code from}, or the text's end. */
    static int cut(String text, int from) {
        for (int i = Math.max(from, 2); i < text.length(); i++) {
            if (text.charAt(i - 1) == '\n' && !Character.isWhitespace(text.charAt(i - 2)) && Character.isLetter(text.charAt(i))) return i;
        }
        return text.length();
    }

    @Override
    public String decode(int[] ids) {
        long[] ls = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary [0, " + vocabSize + ")");
            }
            ls[i] = ids[i];
        }
        return hf.decode(ls, false);
    }

    /** Tells DJL to use what it has (the native library in its jar) and never reach the network. */
    static void configureOffline() {
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
    }

    /**
     * The ids a model must cover: one past the largest id of the model's vocabulary and the added
     * tokens (a list for Unigram models, a token → id map for BPE, WordPiece and WordLevel).
     */
    static int vocabSize(String json, String what) {
        JsonObject root = parse(json, what);
        try {
            JsonObject model = root.getAsJsonObject("model");
            JsonElement vocab = model == null ? null : model.get("vocab");
            long max = -1;
            if (vocab != null && vocab.isJsonArray()) max = vocab.getAsJsonArray().size() - 1;
            else if (vocab != null && vocab.isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) max = Math.max(max, e.getValue().getAsLong());
            } else {
                throw new IllegalArgumentException(what + " has no model.vocab: pass a complete tokenizer.json");
            }
            JsonElement added = root.get("added_tokens");
            if (added != null && added.isJsonArray()) {
                for (JsonElement a : added.getAsJsonArray()) max = Math.max(max, a.getAsJsonObject().get("id").getAsLong());
            }
            if (max < 0 || max >= Integer.MAX_VALUE) throw new IllegalArgumentException(what + " has an empty or out-of-range vocabulary");
            return (int) max + 1;
        } catch (ClassCastException | IllegalStateException | UnsupportedOperationException | NullPointerException | NumberFormatException e) {
            throw new IllegalArgumentException(what + " has a malformed vocabulary (" + oneLine(e.getMessage())
                    + "): pass a tokenizer.json saved by tokenizers or transformers");
        }
    }

    private static JsonObject parse(String json, String what) {
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) throw new JsonParseException("not a JSON object");
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(what + " is not valid JSON (" + oneLine(e.getMessage())
                    + "): pass a tokenizer.json saved by tokenizers or transformers");
        }
    }

    private static String resource(String name) {
        try (InputStream in = HfTokenizer.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource " + name + " is missing from the spikelab-data jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }

    static String oneLine(String s) {
        if (s == null) return "no detail";
        s = s.replaceAll("\\s+", " ").trim();
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }

    /** A short, stable name for logs and config.json: the spec, or a hash of an embedded file. */
    public static String label(String spec) {
        if (spec == null || !spec.startsWith(JSON_SPEC_PREFIX)) return spec;
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(spec.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder("tokenizer.json sha256:");
            for (int i = 0; i < 8; i++) sb.append(String.format("%02x", d[i]));
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override public boolean equals(Object o) { return o instanceof HfTokenizer && ((HfTokenizer) o).spec.equals(spec); }
    @Override public int hashCode() { return spec.hashCode(); }
    @Override public String toString() { return "HfTokenizer(" + kind + ", V=" + vocabSize + ")"; }

    /** A growable int array, to avoid boxing millions of ids. */
    static final class IntList {
        private int[] a;
        private int n;

        IntList(int capacity) { a = new int[Math.max(16, capacity)]; }

        void add(int v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, a.length * 2);
            a[n++] = v;
        }

        int[] toArray() { return java.util.Arrays.copyOf(a, n); }
    }
}
