package spikelab.cli;

import spikelab.run.UserError;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import ai.djl.training.util.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import spikelab.data.Datasets;
import spikelab.data.HfTokenizer;
import spikelab.data.TokenShard;
import spikelab.data.Tokenizer;
import spikelab.data.Tokenizers;

/**
 * {@code spikelab tokenize}: text files to one llm.c token shard (256 int32 header, uint16
 * tokens), which {@code train --data SHARD.bin} reads memory-mapped. The files' tokens are
 * concatenated in the order given.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Tokenize UTF-8 text files into one llm.c token shard (.bin) for 'spikelab train --data'.",
                "Name validation shards with 'val' in the file name (e.g. tiny_val.bin): train then holds them out."})
public final class TokenizeCommand implements Callable<Integer> {
    /** Inputs at least this long show a progress bar (on a terminal). */
    static final long PROGRESS_CHARS = 1 << 20;

    @Option(names = "--tokenizer", defaultValue = "gpt2", paramLabel = "byte|gpt2|FILE.json",
            description = "byte, gpt2 or a Hugging Face tokenizer.json (at most 65,536 tokens: ids are uint16); "
                    + "train with the same --tokenizer (default: ${DEFAULT-VALUE})")
    String tokenizer = "gpt2";
    @Option(names = "--out", required = true, paramLabel = "SHARD.bin", description = "shard to write (replaced atomically)")
    Path out;
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "UTF-8 text files")
    List<Path> files = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (tokenizer.equals("char") || tokenizer.equals("auto")) {
            throw new UserError("--tokenizer " + tokenizer + " cannot write a shard (a shard does not record a char alphabet): "
                    + "use byte, gpt2 or a tokenizer.json");
        }
        if (!out.getFileName().toString().endsWith(".bin")) {
            throw new UserError("--out " + out + " must end in .bin, the suffix by which train --data recognises a shard");
        }
        try {
            Tokenizer tok = Tokenizers.create(tokenizer, "");
            if (tok.vocabSize() > TokenShard.MAX_VOCAB) {
                throw new UserError("tokenizer " + tokenizer + " has " + tok.vocabSize() + " tokens, but a shard stores uint16 ids: "
                        + "use one with at most " + TokenShard.MAX_VOCAB);
            }
            List<String> texts = new ArrayList<>();
            long chars = 0;
            for (Path f : files) {
                String t = Datasets.readText(f);
                texts.add(t);
                chars += t.length();
            }
            int[] ids = encode(tok, texts, chars);
            TokenShard.write(out, ids, tok.vocabSize());
            PrintWriter w = spec.commandLine().getOut();
            w.printf(Locale.ROOT, "wrote %s: %,d tokens from %,d chars in %d file%s (%s tokenizer, V=%d)%n",
                    out, ids.length, chars, files.size(), files.size() == 1 ? "" : "s", tok.kind(), tok.vocabSize());
            w.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** All files' ids, one after another, with a progress bar over chars for large inputs. */
    private static int[] encode(Tokenizer tok, List<String> texts, long chars) {
        ProgressBar bar = chars >= PROGRESS_CHARS && System.console() != null ? new ProgressBar("tokenizing", chars) : null;
        List<int[]> parts = new ArrayList<>();
        long before = 0, total = 0;
        for (String t : texts) {
            long base = before;
            int[] ids = tok instanceof HfTokenizer
                    ? ((HfTokenizer) tok).encode(t, done -> { if (bar != null) bar.update(base + done); })
                    : tok.encode(t);
            parts.add(ids);
            total += ids.length;
            before += t.length();
            if (bar != null) bar.update(before);
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new UserError(String.format(Locale.ROOT, "the inputs hold %,d tokens, more than one shard may: tokenize them into several shards", total));
        }
        int[] all = new int[(int) total];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
