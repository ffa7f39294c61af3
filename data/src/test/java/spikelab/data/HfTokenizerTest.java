package spikelab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
    @TempDir
    Path tmp;

    @Test
    void gpt2GivesThePublishedIds() {
        HfTokenizer gpt2 = HfTokenizer.gpt2();
        assertEquals(50_257, gpt2.vocabSize());
        assertArrayEquals(new int[] {15496, 995}, gpt2.encode("Hello world"));
        // " the" is one token and "\n\n" another in GPT-2's vocabulary; <|endoftext|> is 50256
        assertArrayEquals(new int[] {262}, gpt2.encode(" the"));
        assertArrayEquals(new int[] {628}, gpt2.encode("\n\n"));
        assertArrayEquals(new int[] {50256}, gpt2.encode("<|endoftext|>"));
        assertEquals("gpt2", gpt2.spec());
        assertEquals("gpt2", gpt2.kind());
        assertTrue(gpt2 == Tokenizers.fromSpec("gpt2") && gpt2 == Tokenizers.create("gpt2", ""));
    }

    @Test
    void trickyUtf8RoundTrips() {
        HfTokenizer gpt2 = HfTokenizer.gpt2();
        String[] texts = {
            "東京は日本の首都です。",                       // CJK: byte-level pieces of 3-byte characters
            "fire 🔥 and a family 👨‍👩‍👧 with 🏳️‍🌈",            // 4-byte emoji and zero-width-joiner sequences
            "e\u0301 vs \u00e9, a\u0308\u0323 and Z\u0351\u0362\u0337",   // combining marks stay as written (no normalizer)
            "  leading spaces, tabs\t\tand \r\n line ends \n\n\n",
            "mixed: naïve café, Ελληνικά, русский, עברית, हिन्दी",
        };
        for (String t : texts) {
            int[] ids = gpt2.encode(t);
            assertEquals(t, gpt2.decode(ids), "round trip of " + t);
            for (int id : ids) assertTrue(id >= 0 && id < 50_257);
        }
        // a character split over several tokens: each token alone is not valid UTF-8, the sequence is
        assertTrue(gpt2.encode("🔥").length > 1);
    }

    @Test
    void chunkedEncodingEqualsOnePiece() {
        String text = Datasets.tinyShakespeareText().substring(0, 300_000);
        HfTokenizer gpt2 = HfTokenizer.gpt2();
        int[] chunked = gpt2.encode(text);
        assertTrue(HfTokenizer.cut(text, HfTokenizer.CHUNK) < text.length(), "the text spans several chunks");
        assertArrayEquals(gpt2.encodeWhole(text), chunked);
        assertEquals(text, gpt2.decode(chunked));
    }

    @Test
    void shippedGpt2FileIsTheGeneratedOne() throws Exception {
        // scripts/gpt2-tokenizer.py writes exactly this file from OpenAI's encoder.json and vocab.bpe
        byte[] bytes;
        try (InputStream in = HfTokenizer.class.getResourceAsStream(HfTokenizer.GPT2_RESOURCE)) {
            bytes = in.readAllBytes();
        }
        assertEquals("78d0551dd196adf2d817808bc31457eeda68054b84ec0bb15d75cf289373c739",
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }

    @Test
    void djlIsHeldOffline() {
        HfTokenizer.gpt2();
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertTrue(ai.djl.util.Utils.isOfflineMode());
    }

    /** A word-level tokenizer.json small enough to write by hand. */
    static String wordLevel(String extra) {
        return "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,"
                + "\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},\"post_processor\":null,"
                + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"to\":1,\"be\":2,\"or\":3,\"not\":4" + extra + "},"
                + "\"unk_token\":\"[UNK]\"}}";
    }

    @Test
    void aTokenizerFileIsEmbeddedInItsSpec() throws IOException {
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, wordLevel(""));
        Tokenizer tok = Tokenizers.create(f.toString(), "");
        assertEquals(5, tok.vocabSize());
        assertEquals("tokenizer.json", tok.kind());
        assertArrayEquals(new int[] {1, 2, 3, 4, 1, 2, 0}, tok.encode("to be or not to be maybe"));
        assertTrue(tok.spec().startsWith("hf-json:{"));
        Files.delete(f);
        Tokenizer back = Tokenizers.fromSpec(tok.spec());   // no file needed any more
        assertEquals(tok, back);
        assertArrayEquals(tok.encode("not to be"), back.encode("not to be"));
        assertTrue(Tokenizers.label(tok.spec()).matches("tokenizer.json sha256:[0-9a-f]{16}"), Tokenizers.label(tok.spec()));
        assertEquals("gpt2", Tokenizers.label("gpt2"));
    }

    @Test
    void malformedTokenizerFilesAreOneClearLine() throws IOException {
        Path notJson = tmp.resolve("a.json");
        Files.writeString(notJson, "{\"model\": [1, 2");
        String m = assertThrows(IllegalArgumentException.class, () -> Tokenizers.create(notJson.toString(), "")).getMessage();
        assertTrue(m.startsWith("tokenizer file '" + notJson + "' is not valid JSON ("), m);
        assertTrue(m.endsWith("): pass a tokenizer.json saved by tokenizers or transformers"), m);

        Path noVocab = tmp.resolve("b.json");
        Files.writeString(noVocab, "{\"model\": {\"type\": \"BPE\"}}");
        assertEquals("tokenizer file '" + noVocab + "' has no model.vocab: pass a complete tokenizer.json",
                assertThrows(IllegalArgumentException.class, () -> Tokenizers.create(noVocab.toString(), "")).getMessage());

        Path badModel = tmp.resolve("c.json");
        Files.writeString(badModel, wordLevel("").replace("WordLevel", "NoSuchModel"));
        m = assertThrows(IllegalArgumentException.class, () -> Tokenizers.create(badModel.toString(), "")).getMessage();
        assertTrue(m.startsWith("tokenizer file '" + badModel + "' is not a tokenizer the Hugging Face library accepts ("), m);
        assertEquals(1, m.lines().count());

        assertEquals("tokenizer file '" + tmp.resolve("none.json") + "' does not exist: pass char, byte, gpt2 or the path of a tokenizer.json",
                assertThrows(IllegalArgumentException.class, () -> Tokenizers.create(tmp.resolve("none.json").toString(), "")).getMessage());
        assertEquals("token id 50257 is outside the vocabulary [0, 50257)",
                assertThrows(IllegalArgumentException.class, () -> HfTokenizer.gpt2().decode(new int[] {50257})).getMessage());
    }

    @Test
    void specsDifferForDifferentFiles() throws IOException {
        Path a = tmp.resolve("a.json"), b = tmp.resolve("b.json");
        Files.writeString(a, wordLevel(""));
        Files.writeString(b, wordLevel(",\"question\":5"));
        Tokenizer ta = Tokenizers.create(a.toString(), ""), tb = Tokenizers.create(b.toString(), "");
        assertNotEquals(ta.spec(), tb.spec());
        assertEquals(6, tb.vocabSize());
        // the same JSON indented differently is the same tokenizer
        Files.writeString(a, wordLevel("").replace(",", ",\n  "), StandardCharsets.UTF_8);
        assertEquals(Tokenizers.create(a.toString(), "").spec(), ta.spec());
    }
}
