package spikelab.data;

import static org.junit.jupiter.api.Assertions.*;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    private static final String FIX = "pass an existing UTF-8 text file to --data, or leave --data out to use tinyshakespeare";

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void splitIsFirstNinetyPercentThenLastTen() throws IOException {
        String text = IntStream.range(0, 105).mapToObj(i -> String.valueOf((char) ('a' + i % 26)))
                .reduce("", String::concat);
        Path p = write("t.txt", text.getBytes(StandardCharsets.UTF_8));
        TokenDataset ds = Datasets.fromFile(p, "char");
        assertEquals(94, ds.train().toArray().length);                 // floor(0.9 * 105)
        assertEquals(11, ds.val().toArray().length);
        int[] all = ds.tokenizer().encode(text);
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 0, 94), ds.train().toArray());
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 94, 105), ds.val().toArray());
        assertTrue(Double.isNaN(ds.entropyFloorNats()));
        assertEquals("data file '" + p + "' (105 chars, char tokenizer V=26)", ds.description());
    }

    @Test
    void byteTokenizerSplitsBytesAndKeepsNonAscii() throws IOException {
        String text = "héllo wörld, ".repeat(10);
        Path p = write("u.txt", text.getBytes(StandardCharsets.UTF_8));
        TokenDataset ds = Datasets.fromFile(p, "byte");
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        assertEquals(bytes * 9 / 10, ds.train().toArray().length);
        assertEquals(bytes - bytes * 9 / 10, ds.val().toArray().length);
        int[] all = new int[bytes];
        System.arraycopy(ds.train().toArray(), 0, all, 0, ds.train().toArray().length);
        System.arraycopy(ds.val().toArray(), 0, all, ds.train().toArray().length, ds.val().toArray().length);
        assertEquals(text, ds.tokenizer().decode(all));
    }

    @Test
    void leadingByteOrderMarkIsDropped() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] body = "abcabcabca".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[bom.length + body.length];
        System.arraycopy(bom, 0, all, 0, 3);
        System.arraycopy(body, 0, all, 3, body.length);
        TokenDataset ds = Datasets.fromFile(write("bom.txt", all), "char");
        assertEquals(3, ds.tokenizer().vocabSize());
        assertEquals(10, ds.train().toArray().length + ds.val().toArray().length);
    }

    @Test
    void fileErrors() throws IOException {
        Path missing = dir.resolve("x.txt");
        assertEquals("data file '" + missing + "' does not exist: " + FIX, message(() -> Datasets.fromFile(missing, "char")));
        assertEquals("data file '" + dir + "' is a directory: " + FIX, message(() -> Datasets.fromFile(dir, "char")));
        Path empty = write("empty.txt", new byte[0]);
        assertEquals("data file '" + empty + "' is empty: " + FIX, message(() -> Datasets.fromFile(empty, "char")));
        Path bomOnly = write("bom-only.txt", new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        assertEquals("data file '" + bomOnly + "' is empty: " + FIX, message(() -> Datasets.fromFile(bomOnly, "char")));
        Path latin1 = write("latin1.txt", "caf\u00e9 ok".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals("data file '" + latin1 + "' is not valid UTF-8 (bad byte at offset 3): convert it to UTF-8 "
                + "(e.g. iconv -t UTF-8), or leave --data out to use tinyshakespeare",
                message(() -> Datasets.fromFile(latin1, "byte")));
        assertEquals("unknown tokenizer 'words': use char, byte, gpt2, auto or the path of a tokenizer.json", message(() -> Datasets.fromFile(missing, "words")));
        assertEquals("unknown tokenizer 'words': use char, byte, gpt2, auto or the path of a tokenizer.json", message(() -> Datasets.builtin(1, "words", 100)));
    }

    @Test
    void unreadableFile() throws IOException {
        Path p = write("secret.txt", "abc".getBytes(StandardCharsets.UTF_8));
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
        } catch (UnsupportedOperationException e) {
            assumeTrue(false, "file system without POSIX permissions: cannot make an unreadable file");
        }
        assumeTrue(!Files.isReadable(p), "running with privileges that read any file (root?): cannot test an unreadable file");
        assertEquals("data file '" + p + "' cannot be read (AccessDeniedException): check its permissions, or " + FIX,
                message(() -> Datasets.fromFile(p, "char")));
    }

    @Test
    void requireContextChecksBothSplits() {
        TokenDataset ds = new TokenDataset(new int[2700], new int[300], ByteTokenizer.INSTANCE, "test", Double.NaN);
        ds.requireContext(299);
        assertEquals("context 512 is longer than the validation split (300 tokens): use a smaller --context or a larger data file",
                message(() -> ds.requireContext(512)));
        assertEquals("context 300 is as long as the validation split (300 tokens), which needs one more token for the "
                + "last target: use a smaller --context or a larger data file", message(() -> ds.requireContext(300)));
        TokenDataset small = new TokenDataset(new int[10], new int[300], ByteTokenizer.INSTANCE, "test", Double.NaN);
        assertEquals("context 64 is longer than the training split (10 tokens): use a smaller --context or a larger data file",
                message(() -> small.requireContext(64)));
        assertEquals("context must be at least 1, got 0: pass a positive --context", message(() -> ds.requireContext(0)));
    }

    @Test
    void builtinDatasetDescribesItself() {
        TokenDataset ds = Datasets.builtin(1, "char", 20_000);
        assertEquals(18_000, ds.train().toArray().length);
        assertEquals(2_000, ds.val().toArray().length);
        double floor = ds.entropyFloorNats();
        assertTrue(floor > 0.1 && floor < 1, "floor " + floor);
        assertTrue(ds.description().matches("synthetic corpus \\(seed 1, 20,000 chars, char tokenizer V=\\d+, "
                + "entropy floor \\d\\.\\d{3} nats/char, unigram entropy \\d\\.\\d{3}\\)"), ds.description());
        TokenDataset bytes = Datasets.builtin(1, "byte", 20_000);
        assertEquals(256, bytes.tokenizer().vocabSize());
        assertEquals(18_000, bytes.train().toArray().length, "ASCII text: one byte per char");
        assertEquals(floor, bytes.entropyFloorNats());
        assertEquals(ds.tokenizer().decode(ds.val().toArray()), bytes.tokenizer().decode(bytes.val().toArray()));
        assertSame(ds.getClass(), Datasets.load(null, "char", 1).getClass());
    }

    @Test
    void tinyShakespeare() {
        Path p = null;
        // The shared folder sits beside (or inside) the checkout; look upwards from the module.
        for (Path d = Path.of("").toAbsolutePath(); d != null && p == null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve("data").resolve("tinyshakespeare.txt");
            if (Files.isRegularFile(candidate)) p = candidate;
        }
        assumeTrue(p != null, "tinyshakespeare.txt not found in any shared/data above the module: skipping the real-file check");
        TokenDataset ds = Datasets.fromFile(p, "char");
        assertEquals(65, ds.tokenizer().vocabSize());
        assertEquals(1_003_854, ds.train().toArray().length);
        assertEquals(111_540, ds.val().toArray().length);
        ds.requireContext(1024);
    }

    /** Like Assumptions.assumeTrue, but the reason also reaches the build log, not only the report. */
    private static void assumeTrue(boolean condition, String reason) {
        if (!condition) System.out.println("[test skipped] " + reason);
        org.junit.jupiter.api.Assumptions.assumeTrue(condition, reason);
    }

    @Test
    void unigramEntropyOfTheTrainingSplitInNats() {
        Tokenizer bytes = ByteTokenizer.INSTANCE;
        int[] val = {9};
        assertEquals(Math.log(4), new TokenDataset(new int[] {0, 1, 2, 3, 3, 2, 1, 0}, val, bytes, "t", Double.NaN).unigramEntropyNats(), 1e-15);
        assertEquals(0.0, new TokenDataset(new int[] {5, 5, 5}, val, bytes, "t", Double.NaN).unigramEntropyNats());
        // p = 3/4, 1/4; the validation tokens do not count
        assertEquals(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)),
                new TokenDataset(new int[] {1, 1, 1, 0}, new int[] {7, 8, 9}, bytes, "t", Double.NaN).unigramEntropyNats(), 1e-15);
    }
}
