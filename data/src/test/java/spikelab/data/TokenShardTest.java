package spikelab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenShardTest {
    @TempDir
    Path tmp;

    /** A shard built byte by byte, as another program would write it (not through TokenShard). */
    static byte[] rawShard(int magic, int version, int count, int... tokens) {
        byte[] b = new byte[1024 + 2 * tokens.length];
        int[] header = {magic, version, count};
        for (int i = 0; i < header.length; i++) {
            for (int k = 0; k < 4; k++) b[4 * i + k] = (byte) (header[i] >>> (8 * k));   // little-endian int32
        }
        for (int i = 0; i < tokens.length; i++) {
            b[1024 + 2 * i] = (byte) tokens[i];                                            // little-endian uint16
            b[1024 + 2 * i + 1] = (byte) (tokens[i] >>> 8);
        }
        return b;
    }

    private Path file(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void readsAShardWrittenByAnotherProgram() throws IOException {
        Path p = file("a.bin", rawShard(20240520, 1, 5, 0, 1, 50256, 65535, 300));
        TokenShard s = TokenShard.open(p, 65536);
        assertEquals(5, s.size());
        assertArrayEquals(new int[] {0, 1, 50256, 65535, 300}, s.toArray());
        int[] dst = new int[4];
        s.read(2, dst, 1, 3);
        assertArrayEquals(new int[] {0, 50256, 65535, 300}, dst);
    }

    @Test
    void writesTheLlmcLayout() throws Exception {
        Path p = tmp.resolve("w.bin");
        TokenShard.write(p, new int[] {15496, 995, 0, 50256}, 50257);
        assertArrayEquals(rawShard(20240520, 1, 4, 15496, 995, 0, 50256), Files.readAllBytes(p));
        assertEquals(List.of("w.bin"), Files.list(tmp).map(f -> f.getFileName().toString()).toList(), "no temp file left");
        assertEquals("a token shard stores uint16 ids, but the tokenizer has 70000 tokens: use a tokenizer with at most 65536",
                assertThrows(IllegalArgumentException.class, () -> TokenShard.write(p, new int[] {1}, 70000)).getMessage());
    }

    @Test
    void badShardsAreOneClearLine() throws IOException {
        Path magic = file("m.bin", rawShard(20240521, 1, 2, 1, 2));
        assertEquals("token shard '" + magic + "' has magic 20240521, not llm.c's 20240520: it is not a token shard "
                + "(pass text files without the .bin suffix, or rewrite it with spikelab tokenize)",
                assertThrows(IllegalArgumentException.class, () -> TokenShard.open(magic, 256)).getMessage());
        Path version = file("v.bin", rawShard(20240520, 2, 2, 1, 2));
        assertEquals("token shard '" + version + "' has version 2, but only version 1 (uint16 tokens) is supported: "
                + "rewrite it with spikelab tokenize",
                assertThrows(IllegalArgumentException.class, () -> TokenShard.open(version, 256)).getMessage());
        Path truncated = file("t.bin", rawShard(20240520, 1, 3, 1, 2));
        assertEquals("token shard '" + truncated + "' is truncated: its header promises 3 tokens (1030 bytes) but the file "
                + "has 1028 bytes: rewrite or re-download it",
                assertThrows(IllegalArgumentException.class, () -> TokenShard.open(truncated, 256)).getMessage());
        Path shortHeader = file("h.bin", new byte[100]);
        assertEquals("token shard '" + shortHeader + "' is truncated: 100 bytes, shorter than the 1024-byte header: "
                + "rewrite it with spikelab tokenize",
                assertThrows(IllegalArgumentException.class, () -> TokenShard.open(shortHeader, 256)).getMessage());
        Path trailing = file("x.bin", rawShard(20240520, 1, 1, 1, 2));
        assertEquals("token shard '" + trailing + "' has 2 bytes after its 1 tokens: the header's token count is wrong; "
                + "rewrite it with spikelab tokenize",
                assertThrows(IllegalArgumentException.class, () -> TokenShard.open(trailing, 256)).getMessage());
        Path big = file("b.bin", rawShard(20240520, 1, 3, 1, 2, 256));
        assertEquals("token shard '" + big + "' holds token id 256 at position 2, outside the tokenizer's vocabulary of 256: "
                + "pass the --tokenizer the shard was written with",
                assertThrows(IllegalArgumentException.class, () -> TokenShard.open(big, 256)).getMessage());
    }

    @Test
    void concatenationAndSlicesReadAcrossBoundaries() throws IOException {
        TokenSource a = TokenShard.open(file("a.bin", rawShard(20240520, 1, 3, 1, 2, 3)), 256);
        TokenSource b = TokenSource.of(new int[] {4, 5});
        TokenSource c = TokenShard.open(file("c.bin", rawShard(20240520, 1, 4, 6, 7, 8, 9)), 256);
        TokenSource all = TokenSource.concat(List.of(a, b, c));
        assertEquals(9, all.size());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, all.toArray());
        int[] w = new int[5];
        all.read(2, w, 0, 5);
        assertArrayEquals(new int[] {3, 4, 5, 6, 7}, w);
        TokenSource mid = all.slice(1, 8);
        assertArrayEquals(new int[] {2, 3, 4, 5, 6, 7, 8}, mid.toArray());
        assertArrayEquals(new int[] {4, 5, 6}, mid.slice(2, 5).toArray());
        assertThrows(IndexOutOfBoundsException.class, () -> mid.read(5, w, 0, 3));
    }

    @Test
    void samplerOverASourceDrawsWhatItDrawsOverTheArray() throws IOException {
        int[] tokens = new int[5000];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 7919) % 251;
        Path p = tmp.resolve("s.bin");
        TokenShard.write(p, tokens, 256);
        BatchSampler fromArray = new BatchSampler(tokens, 4, 16, 42);
        BatchSampler fromShard = new BatchSampler(TokenShard.open(p, 256), 4, 16, 42);
        int[] in1 = new int[64], tg1 = new int[64], in2 = new int[64], tg2 = new int[64];
        for (int k = 0; k < 50; k++) {
            fromArray.next(in1, tg1);
            fromShard.next(in2, tg2);
            assertArrayEquals(in1, in2);
            assertArrayEquals(tg1, tg2);
        }
        assertEquals(EvalBatches.probe(tokens, 3, 8).inputs()[8], EvalBatches.probe(TokenShard.open(p, 256), 3, 8).inputs()[8]);
    }

    @Test
    void nextLongMatchesNextIntBelowTheIntRange() {
        Rng a = new Rng(9), b = new Rng(9);
        for (int bound : new int[] {1, 2, 3, 1000, 1_000_003, Integer.MAX_VALUE}) {
            for (int i = 0; i < 100; i++) assertEquals(a.nextInt(bound), b.nextLong(bound));
        }
        long big = 5_000_000_000L;
        boolean above = false;
        for (int i = 0; i < 100; i++) {
            long v = b.nextLong(big);
            assertTrue(v >= 0 && v < big);
            above |= v > Integer.MAX_VALUE;
        }
        assertTrue(above, "draws reach past the int range");
    }

    @Test
    void shardsByFileDirectoryAndGlobWithTheValRule() throws IOException {
        int[] t = new int[100];
        for (int i = 0; i < t.length; i++) t[i] = i;
        Path dir = Files.createDirectory(tmp.resolve("shards"));
        TokenShard.write(dir.resolve("tiny_train_000.bin"), t, 256);
        TokenShard.write(dir.resolve("tiny_train_001.bin"), new int[] {7, 7, 7, 7, 7}, 256);
        TokenShard.write(dir.resolve("tiny_val_000.bin"), new int[] {9, 9, 9}, 256);
        Files.writeString(dir.resolve("notes.txt"), "not a shard");

        TokenDataset one = Datasets.open(dir.resolve("tiny_train_000.bin").toString(), "byte", 1);
        assertEquals(90, one.train().size(), "a single shard: last 10% held out");
        assertArrayEquals(new int[] {90, 91, 92, 93, 94, 95, 96, 97, 98, 99}, one.val().toArray());

        TokenDataset all = Datasets.open(dir.toString(), "byte", 1);
        assertEquals(105, all.train().size(), "both training shards, in name order");
        assertEquals(7, all.train().toArray()[104]);
        assertArrayEquals(new int[] {9, 9, 9}, all.val().toArray(), "the 'val' shard is the validation split");

        TokenDataset glob = Datasets.open(dir.resolve("tiny_train_*.bin").toString(), "byte", 1);
        assertEquals(94, glob.train().size(), "no val shard among them: the last 10% of the concatenation");
        assertEquals(ByteTokenizer.INSTANCE, glob.tokenizer());

        assertEquals(50_257, Datasets.open(dir.toString(), "auto", 1).tokenizer().vocabSize(), "shards default to GPT-2");
        assertEquals("token shards do not record a char alphabet: pass the --tokenizer they were written with "
                + "(gpt2, byte or a tokenizer.json; default gpt2)",
                assertThrows(IllegalArgumentException.class, () -> Datasets.open(dir.toString(), "char", 1)).getMessage());
        assertEquals("--data " + dir.resolve("*.zip") + " matches no file: pass .bin shards written by spikelab tokenize or llm.c",
                assertThrows(IllegalArgumentException.class, () -> Datasets.open(dir.resolve("*.zip").toString(), "byte", 1)).getMessage());
        TokenShard.write(dir.resolve("tiny_val_001.bin"), new int[] {8, 8}, 256);
        assertEquals("every shard given has 'val' in its name, so none is left for training: add training shards, or rename one",
                assertThrows(IllegalArgumentException.class, () -> Datasets.open(dir.resolve("*val*").toString(), "byte", 1)).getMessage());
    }

    @Test
    void tinyShakespeareIsShippedAsIs() throws Exception {
        String text = Datasets.tinyShakespeareText();
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1_115_394, bytes.length);
        assertEquals("86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        TokenDataset ds = Datasets.open(null, "auto", 1);
        assertEquals(65, ds.tokenizer().vocabSize());
        assertEquals(1_003_854, ds.train().size());
        assertEquals(111_540, ds.val().size());
        assertTrue(ds.description().startsWith("tinyshakespeare (1,115,394 chars, char tokenizer V=65)"), ds.description());
        assertEquals(Datasets.open("tinyshakespeare", "char", 1).description(), ds.description());
        // the unigram entropy of its characters, from the counts (≈ 3.3 nats: 65 symbols, far from uniform)
        double h = ds.unigramEntropyNats();
        assertTrue(h > 3.0 && h < Math.log(65), "unigram entropy " + h);
    }
}
