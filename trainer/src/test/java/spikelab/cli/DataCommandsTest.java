package spikelab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenize, and train on shards, tinyshakespeare and tokenizer files, through the command line. */
class DataCommandsTest {
    @TempDir
    Path tmp;

    private static final List<String> TINY = List.of("--device", "cpu", "--threads", "1", "--layers", "1", "--d-model", "16",
            "--heads", "2", "--context", "8", "--batch", "2", "--eval-every", "3", "--eval-batches", "1", "--probe-every", "3",
            "--no-progress", "--log-every", "1000");

    private record Result(int status, String out, String err) {}

    private static Result cli(List<String> args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(new String[0]));
        return new Result(status, out.toString(), err.toString().strip());
    }

    private static Result train(Path run, String... extra) {
        List<String> a = new ArrayList<>(List.of("train"));
        a.addAll(TINY);
        a.addAll(List.of("--out", run.toString()));
        a.addAll(List.of(extra));
        return cli(a);
    }

    /** Little-endian int32 header and uint16 tokens, written with plain byte code, not spikelab's writer. */
    static byte[] shard(int magic, int version, int count, int[] tokens) {
        ByteBuffer b = ByteBuffer.allocate(1024 + 2 * tokens.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(magic).putInt(version).putInt(count).position(1024);
        for (int t : tokens) b.putShort((short) t);
        return b.array();
    }

    private static int[] text(int n, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = "the quick brown fox jumps over the lazy dog\n".charAt(i % 44) % vocab;
        return t;
    }

    private static JsonObject json(Path p) throws IOException {
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    @Test
    void tokenizeWritesGpt2IdsAsAnLlmcShard() throws IOException {
        Path in = tmp.resolve("hello.txt");
        Files.writeString(in, "Hello world");
        Path out = tmp.resolve("hello.bin");
        Result r = cli(List.of("tokenize", "--tokenizer", "gpt2", in.toString(), "--out", out.toString()));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("wrote " + out + ": 2 tokens from 11 chars in 1 file (gpt2 tokenizer, V=50257)"), r.out());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1024 + 4, b.capacity());
        assertEquals(20240520, b.getInt(0));
        assertEquals(1, b.getInt(4));
        assertEquals(2, b.getInt(8));
        for (int i = 3; i < 256; i++) assertEquals(0, b.getInt(4 * i), "rest of the header is zero");
        assertArrayEquals(new int[] {15496, 995}, new int[] {b.getShort(1024) & 0xFFFF, b.getShort(1026) & 0xFFFF});
    }

    @Test
    void tokenizeBadInputIsOneLine() throws IOException {
        Path in = tmp.resolve("a.txt");
        Files.writeString(in, "abc");
        Result r = cli(List.of("tokenize", "--tokenizer", "char", in.toString(), "--out", tmp.resolve("a.bin").toString()));
        assertEquals(2, r.status());
        assertEquals("error: --tokenizer char cannot write a shard (a shard does not record a char alphabet): use byte, gpt2 or a tokenizer.json", r.err());
        r = cli(List.of("tokenize", tmp.resolve("missing.txt").toString(), "--out", tmp.resolve("b.bin").toString()));
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("error: data file '" + tmp.resolve("missing.txt") + "' does not exist"), r.err());
        assertEquals(1, r.err().lines().count());
        assertFalse(Files.exists(tmp.resolve("b.bin")));
    }

    @Test
    void trainsOnAShardWrittenByAnotherProgram() throws IOException {
        Path bin = tmp.resolve("other.bin");
        Files.write(bin, shard(20240520, 1, 3000, text(3000, 256)));
        Path run = tmp.resolve("run");
        Result r = train(run, "--data", bin.toString(), "--tokenizer", "byte", "--steps", "6");
        assertEquals(0, r.status(), r.err());
        JsonObject config = json(run.resolve("config.json"));
        assertEquals(bin.toAbsolutePath().toString(), config.get("data").getAsString());
        assertEquals(256, config.get("vocab_size").getAsInt());
        JsonObject summary = json(run.resolve("summary.json"));
        assertEquals(6, summary.get("steps_completed").getAsInt());
        assertTrue(Double.isFinite(summary.get("final_val_loss").getAsDouble()));
    }

    @Test
    void shardsDefaultToGpt2AndGenerateDecodesIt() throws IOException {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "To be, or not to be, that is the question.\n".repeat(40));
        Path bin = tmp.resolve("t.bin");
        assertEquals(0, cli(List.of("tokenize", text.toString(), "--out", bin.toString())).status());
        Path run = tmp.resolve("gpt2run");
        Result r = train(run, "--data", bin.toString(), "--steps", "2");
        assertEquals(0, r.status(), r.err());
        JsonObject config = json(run.resolve("config.json"));
        assertEquals(50_257, config.get("vocab_size").getAsInt());
        assertEquals("gpt2", config.get("tokenizer_spec").getAsString());
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), "generate", "--checkpoint", run.toString(),
                "--prompt", "To be", "--tokens", "5", "--threads", "1");
        assertEquals(0, status, err.toString());
        assertTrue(out.toString().startsWith("To be") && out.toString().length() > "To be\n".length(), out.toString());
    }

    @Test
    void aTokenizerFileTravelsInTheCheckpoint() throws IOException {
        Path tok = tmp.resolve("words.json");
        Files.writeString(tok, "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},"
                + "\"post_processor\":null,\"decoder\":{\"type\":\"WordPiece\",\"prefix\":\"##\",\"cleanup\":false},"
                + "\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"to\":1,\"be\":2,\"or\":3,\"not\":4},\"unk_token\":\"[UNK]\"}}");
        Path text = tmp.resolve("w.txt");
        Files.writeString(text, "to be or not to be\n".repeat(60));
        Path run = tmp.resolve("wordrun");
        Result r = train(run, "--data", text.toString(), "--tokenizer", tok.toString(), "--steps", "2");
        assertEquals(0, r.status(), r.err());
        assertEquals(5, json(run.resolve("config.json")).get("vocab_size").getAsInt());
        Files.delete(tok);   // generate needs only the checkpoint
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), "generate", "--checkpoint", run.toString(),
                "--prompt", "to be", "--tokens", "4", "--threads", "1");
        assertEquals(0, status, err.toString());
        assertTrue(out.toString().startsWith("to be"), out.toString());
        // a word-level decoder joins the 4 sampled words with spaces (the prompt is printed as given before them)
        String[] words = out.toString().strip().substring("to be".length()).strip().split(" ");
        assertEquals(4, words.length, out.toString());
        for (String w : words) assertTrue(List.of("to", "be", "or", "not", "[UNK]").contains(w), out.toString());
    }

    @Test
    void helpStatesTheValidationRule() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream traced = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(traced, true));   // picocli reports a bad format string there
        try {
            assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(err), "train", "--help"));
        } finally {
            System.setErr(stderr);
        }
        String help = out + err.toString();
        assertFalse(traced.toString().contains("Could not format"), traced.toString());
        assertTrue(help.replaceAll("\\s+", " ").contains("those with 'val' in the name are the validation split; "
                + "without one (or for a single shard) the last 10% of the tokens are held out"), help);
    }

    @Test
    void defaultDataIsTinyShakespeare() throws IOException {
        Path run = tmp.resolve("default");
        Result r = train(run, "--steps", "1");
        assertEquals(0, r.status(), r.err());
        JsonObject config = json(run.resolve("config.json"));
        assertEquals("tinyshakespeare", config.get("data").getAsString());
        assertEquals("auto", config.get("tokenizer").getAsString());
        assertEquals(65, config.get("vocab_size").getAsInt());
        assertTrue(config.get("data_description").getAsString().startsWith("tinyshakespeare (1,115,394 chars, char tokenizer V=65)"));
    }

    private void badData(String what, List<String> args, String expected) {
        Path run = tmp.resolve("bad-" + what);
        List<String> a = new ArrayList<>(List.of("train", "--steps", "1"));
        a.addAll(TINY);
        a.addAll(List.of("--out", run.toString()));
        a.addAll(args);
        Result r = cli(a);
        assertEquals(2, r.status(), what + ": " + r.err());
        assertEquals(1, r.err().lines().count(), what + ": " + r.err());
        assertEquals("error: " + expected, r.err(), what);
        assertFalse(Files.exists(run), what + ": no run directory left behind");
    }

    @Test
    void badShardsAndTokenizersAreOneLineAndLeaveNoRun() throws IOException {
        int[] ok = text(100, 256);
        Path magic = tmp.resolve("magic.bin"), version = tmp.resolve("version.bin"), cut = tmp.resolve("cut.bin"),
                big = tmp.resolve("big.bin"), badJson = tmp.resolve("bad.json");
        Files.write(magic, shard(12345, 1, 100, ok));
        Files.write(version, shard(20240520, 7, 100, ok));
        byte[] whole = shard(20240520, 1, 100, ok);
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 10));
        int[] withBig = ok.clone();
        withBig[40] = 300;
        Files.write(big, shard(20240520, 1, 100, withBig));
        Files.writeString(badJson, "{\"model\": {\"vocab\": ");

        badData("magic", List.of("--data", magic.toString(), "--tokenizer", "byte"), "token shard '" + magic
                + "' has magic 12345, not llm.c's 20240520: it is not a token shard (pass text files without the .bin suffix, "
                + "or rewrite it with spikelab tokenize)");
        badData("version", List.of("--data", version.toString(), "--tokenizer", "byte"), "token shard '" + version
                + "' has version 7, but only version 1 (uint16 tokens) is supported: rewrite it with spikelab tokenize");
        badData("truncated", List.of("--data", cut.toString(), "--tokenizer", "byte"), "token shard '" + cut
                + "' is truncated: its header promises 100 tokens (1224 bytes) but the file has 1214 bytes: rewrite or re-download it");
        badData("id", List.of("--data", big.toString(), "--tokenizer", "byte"), "token shard '" + big
                + "' holds token id 300 at position 40, outside the tokenizer's vocabulary of 256: pass the --tokenizer the shard was written with");
        Result r = cli(List.of("train", "--data", "synthetic", "--tokenizer", badJson.toString(), "--out", tmp.resolve("bad-json").toString()));
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: tokenizer file '" + badJson + "' is not valid JSON ("), r.err());
        assertFalse(Files.exists(tmp.resolve("bad-json")));
        badData("glob", List.of("--data", tmp.resolve("nothing-*.bin").toString()), "--data " + tmp.resolve("nothing-*.bin")
                + " matches no file: pass .bin shards written by spikelab tokenize or llm.c");
    }
}
