package spikelab.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Opens the corpora a run can train on (the --data option): the built-in tinyshakespeare (the
 * default) or synthetic corpus, a UTF-8 text file, or llm.c token shards (a .bin file, a directory
 * of them, or a glob).
 */
public final class Datasets {
    public static final String TINYSHAKESPEARE = "tinyshakespeare";
    public static final String SYNTHETIC = "synthetic";
    /** tinyshakespeare's size and sha256 (DESIGN §6), checked when it is read. */
    static final int TINYSHAKESPEARE_BYTES = 1_115_394;
    static final String TINYSHAKESPEARE_RESOURCE = "/spikelab/data/tinyshakespeare.txt";
    private static final String FIX = "pass an existing UTF-8 text file to --data, or leave --data out to use tinyshakespeare";
    private static final String SHARD_FIX = "pass .bin shards written by spikelab tokenize or llm.c";

    private Datasets() {}

    /**
     * The corpus named by {@code data}: "tinyshakespeare" (also for null), "synthetic" (generated
     * from {@code dataSeed}), a .bin shard, a directory or glob of shards, or a text file.
     * {@code tokenizer} "auto" is char for text and GPT-2 for shards.
     */
    public static TokenDataset open(String data, String tokenizer, long dataSeed) {
        Tokenizers.checkName(tokenizer);
        if (data == null || data.equals(TINYSHAKESPEARE)) return tinyShakespeare(textKind(tokenizer));
        if (data.equals(SYNTHETIC)) return builtin(dataSeed, textKind(tokenizer));
        List<Path> shards = shardFiles(data);
        return shards != null ? fromShards(shards, tokenizer) : fromFile(Path.of(data), textKind(tokenizer));
    }

    /** {@code data} null means the synthetic corpus generated from {@code builtinSeed}. */
    public static TokenDataset load(Path data, String tokenizerKind, long builtinSeed) {
        return data == null ? builtin(builtinSeed, tokenizerKind) : fromFile(data, tokenizerKind);
    }

    /** tinyshakespeare (Karpathy's 1.1 MB of Shakespeare, public domain), shipped in this jar. */
    public static TokenDataset tinyShakespeare(String tokenizerKind) {
        checkKind(tokenizerKind);
        String text = tinyShakespeareText();
        Tokenizer tok = Tokenizers.create(tokenizerKind, text);
        String desc = String.format(Locale.ROOT, "tinyshakespeare (%,d chars, %s tokenizer V=%d)",
                text.length(), tok.kind(), tok.vocabSize());
        return split(tok.encode(text), tok, desc, Double.NaN);
    }

    /** The text of tinyshakespeare. */
    public static String tinyShakespeareText() {
        byte[] bytes;
        try (InputStream in = Datasets.class.getResourceAsStream(TINYSHAKESPEARE_RESOURCE)) {
            if (in == null) throw new IllegalStateException(TINYSHAKESPEARE_RESOURCE + " is missing from the spikelab-data jar");
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + TINYSHAKESPEARE_RESOURCE, e);
        }
        if (bytes.length != TINYSHAKESPEARE_BYTES) {
            throw new IllegalStateException(TINYSHAKESPEARE_RESOURCE + " has " + bytes.length + " bytes, not " + TINYSHAKESPEARE_BYTES + ": the jar is damaged");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The synthetic corpus, char tokenizer. */
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
        // the floor is per character: it holds per token only where a token is a character
        double floor = tok.kind().equals("char") || tok.kind().equals("byte") ? corpus.entropyFloorNats() : Double.NaN;
        String desc = String.format(Locale.ROOT,
                "synthetic corpus (seed %d, %,d chars, %s tokenizer V=%d, entropy floor %.3f nats/char, unigram entropy %.3f)",
                seed, chars, tok.kind(), tok.vocabSize(), corpus.entropyFloorNats(), corpus.unigramEntropyNats());
        return split(tok.encode(corpus.text()), tok, desc, floor);
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

    /**
     * llm.c shards, memory-mapped. Files whose name contains "val" are the validation split and the
     * others the training split; without such a file (or for one shard) the last 10% of the tokens
     * are held out. {@code tokenizer} is the one the shards were written with ("auto": GPT-2).
     */
    public static TokenDataset fromShards(List<Path> files, String tokenizer) {
        Tokenizers.checkName(tokenizer);
        if (tokenizer.equals("char")) {
            throw new IllegalArgumentException("token shards do not record a char alphabet: pass the --tokenizer they were "
                    + "written with (gpt2, byte or a tokenizer.json; default gpt2)");
        }
        Tokenizer tok = Tokenizers.create(tokenizer.equals("auto") ? "gpt2" : tokenizer, "");
        List<TokenSource> train = new ArrayList<>(), val = new ArrayList<>();
        for (Path f : files) {
            boolean isVal = files.size() > 1 && f.getFileName().toString().toLowerCase(Locale.ROOT).contains("val");
            (isVal ? val : train).add(TokenShard.open(f, tok.vocabSize()));
        }
        if (train.isEmpty()) {
            throw new IllegalArgumentException("every shard given has 'val' in its name, so none is left for training: "
                    + "add training shards, or rename one");
        }
        TokenSource all = TokenSource.concat(train);
        TokenSource tr, va;
        if (val.isEmpty()) {
            long nTrain = all.size() * 9 / 10;
            tr = all.slice(0, nTrain);
            va = all.slice(nTrain, all.size());
        } else {
            tr = all;
            va = TokenSource.concat(val);
        }
        String desc = String.format(Locale.ROOT, "%d token shard%s (%s%s, %,d train + %,d val tokens, %s tokenizer V=%d)",
                files.size(), files.size() == 1 ? "" : "s", files.get(0), files.size() == 1 ? "" : ", ...",
                tr.size(), va.size(), tok.kind(), tok.vocabSize());
        return new TokenDataset(tr, va, tok, desc, Double.NaN);
    }

    /**
     * The shard files {@code data} names, or null when it names a text file: a .bin file, a
     * directory (its *.bin files), or a glob in the file name (e.g. dir/*_train_*.bin); sorted.
     */
    static List<Path> shardFiles(String data) {
        boolean glob = data.indexOf('*') >= 0 || data.indexOf('?') >= 0 || data.indexOf('[') >= 0;
        Path p = Path.of(data);
        if (!glob && !Files.isDirectory(p)) return data.endsWith(".bin") ? List.of(p) : null;
        Path dir = glob ? (p.getParent() == null ? Path.of(".") : p.getParent()) : p;
        String pattern = glob ? p.getFileName().toString() : "*.bin";
        String d = dir.toString();
        if (d.indexOf('*') >= 0 || d.indexOf('?') >= 0 || d.indexOf('[') >= 0) {
            throw new IllegalArgumentException("--data " + data + ": only the file name may hold wildcards, not the directory: " + SHARD_FIX);
        }
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("--data " + data + ": directory '" + dir + "' does not exist: " + SHARD_FIX);
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(f -> Files.isRegularFile(f) && m.matches(f.getFileName())).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new IllegalArgumentException("--data " + data + ": cannot list '" + dir + "' (" + e.getClass().getSimpleName() + "): " + SHARD_FIX);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--data " + data + " matches no " + (glob ? "file" : ".bin shard in that directory") + ": " + SHARD_FIX);
        }
        return out;
    }

    /** Reads a UTF-8 text file as {@link #fromFile} does, with the same one-line errors. */
    public static String readText(Path path) {
        return readUtf8(path);
    }

    private static TokenDataset split(int[] ids, Tokenizer tok, String desc, double floor) {
        int nTrain = (int) ((long) ids.length * 9 / 10);
        return new TokenDataset(Arrays.copyOfRange(ids, 0, nTrain), Arrays.copyOfRange(ids, nTrain, ids.length),
                tok, desc, floor);
    }

    private static String textKind(String kind) {
        return kind.equals("auto") ? "char" : kind;
    }

    private static void checkKind(String kind) {
        Tokenizers.checkName(kind);
        if (kind.equals("auto")) throw new IllegalArgumentException("tokenizer 'auto' must be resolved before use");
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
                    + in.position() + "): convert it to UTF-8 (e.g. iconv -t UTF-8), or leave --data out to use tinyshakespeare");
        }
        out.flip();
        if (out.length() > 0 && out.charAt(0) == '\uFEFF') out.position(1);
        if (!out.hasRemaining()) {
            throw new IllegalArgumentException("data file '" + path + "' is empty: " + FIX);
        }
        return out.toString();
    }
}
