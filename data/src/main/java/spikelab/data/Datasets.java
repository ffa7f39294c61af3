package spikelab.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** Opens the corpora a run can train on: the built-in one, or any UTF-8 text file. */
public final class Datasets {
    private static final String FIX = "pass an existing UTF-8 text file to --data, or leave --data out to use the built-in corpus";

    private Datasets() {}

    /** {@code data} null means the built-in corpus generated from {@code builtinSeed}. */
    public static TokenDataset load(Path data, String tokenizerKind, long builtinSeed) {
        return data == null ? builtin(builtinSeed, tokenizerKind) : fromFile(data, tokenizerKind);
    }

    /** The default built-in corpus, char tokenizer. */
    public static TokenDataset builtin(long seed) {
        return builtin(seed, "char");
    }

    public static TokenDataset builtin(long seed, String tokenizerKind) {
        return builtin(seed, tokenizerKind, BuiltinCorpus.DEFAULT_CHARS);
    }

    public static TokenDataset builtin(long seed, String tokenizerKind, int chars) {
        checkKind(tokenizerKind);
        BuiltinCorpus corpus = BuiltinCorpus.generate(seed, chars);
        Tokenizer tok = Tokenizers.create(tokenizerKind, corpus.text());
        String desc = String.format(Locale.ROOT,
                "built-in corpus (seed %d, %,d chars, %s tokenizer V=%d, entropy floor %.3f nats/token, unigram entropy %.3f)",
                seed, chars, tok.kind(), tok.vocabSize(), corpus.entropyFloorNats(), corpus.unigramEntropyNats());
        return split(tok.encode(corpus.text()), tok, desc, corpus.entropyFloorNats());
    }

    /**
     * A UTF-8 text file (a leading byte-order mark is dropped), first 90% of its tokens for training,
     * the last 10% for validation. A char tokenizer's alphabet is that of the whole file, so the
     * validation split never holds an unknown character.
     */
    public static TokenDataset fromFile(Path path, String tokenizerKind) {
        checkKind(tokenizerKind);
        String text = readUtf8(path);
        Tokenizer tok = Tokenizers.create(tokenizerKind, text);
        int[] ids = tok.encode(text);
        String desc = String.format(Locale.ROOT, "data file '%s' (%,d chars, %s tokenizer V=%d)",
                path, text.codePointCount(0, text.length()), tok.kind(), tok.vocabSize());
        return split(ids, tok, desc, Double.NaN);
    }

    private static TokenDataset split(int[] ids, Tokenizer tok, String desc, double floor) {
        int nTrain = (int) ((long) ids.length * 9 / 10);
        return new TokenDataset(Arrays.copyOfRange(ids, 0, nTrain), Arrays.copyOfRange(ids, nTrain, ids.length),
                tok, desc, floor);
    }

    private static void checkKind(String kind) {
        if (!"char".equals(kind) && !"byte".equals(kind)) Tokenizers.create(kind, "");
    }

    static String readUtf8(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("data file '" + path + "' does not exist: " + FIX);
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException("data file '" + path + "' is a directory: " + FIX);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException("data file '" + path + "' cannot be read (" + e.getClass().getSimpleName()
                    + "): check its permissions, or " + FIX);
        }
        if (bytes.length == 0) {
            throw new IllegalArgumentException("data file '" + path + "' is empty: " + FIX);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);   // UTF-8 never yields more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) result = decoder.flush(out);
        if (result.isError()) {
            throw new IllegalArgumentException("data file '" + path + "' is not valid UTF-8 (bad byte at offset "
                    + in.position() + "): convert it to UTF-8 (e.g. iconv -t UTF-8), or leave --data out to use the built-in corpus");
        }
        out.flip();
        if (out.length() > 0 && out.charAt(0) == '\uFEFF') out.position(1);
        if (!out.hasRemaining()) {
            throw new IllegalArgumentException("data file '" + path + "' is empty: " + FIX);
        }
        return out.toString();
    }
}
