package spikelab.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    private static final String MIXED = "Grüße, naïve café!\nЖ 漢字 🙂 tab\tend";

    @Test
    void charRoundTripIncludingNonAsciiAndSurrogatePairs() {
        Tokenizer tok = Tokenizers.create("char", MIXED);
        int[] ids = tok.encode(MIXED);
        assertEquals(MIXED.codePointCount(0, MIXED.length()), ids.length, "one token per code point");
        assertEquals(MIXED, tok.decode(ids));
        assertEquals((int) MIXED.codePoints().distinct().count(), tok.vocabSize());
        assertEquals("char", tok.kind());
    }

    @Test
    void charIdsFollowCodePointOrder() {
        Tokenizer tok = Tokenizers.create("char", "cab\n");
        assertArrayEquals(new int[] {0, 1, 2, 3}, tok.encode("\nabc"));
        assertEquals("char:a,61-63", tok.spec());
    }

    @Test
    void byteRoundTripIncludingNonAscii() {
        Tokenizer tok = Tokenizers.create("byte", "ignored");
        int[] ids = tok.encode(MIXED);
        assertEquals(MIXED.getBytes(StandardCharsets.UTF_8).length, ids.length, "one token per UTF-8 byte");
        for (int id : ids) assertTrue(id >= 0 && id < 256);
        assertEquals(MIXED, tok.decode(ids));
        assertEquals(256, tok.vocabSize());
        assertEquals("byte", tok.kind());
    }

    @Test
    void byteDecodeOfATruncatedCharacterGivesReplacementNotError() {
        Tokenizer tok = ByteTokenizer.INSTANCE;
        int[] ids = tok.encode("é");            // two bytes
        assertEquals("\uFFFD", tok.decode(new int[] {ids[0]}));
    }

    @Test
    void specRoundTrip() {
        for (Tokenizer tok : new Tokenizer[] {Tokenizers.create("char", MIXED), Tokenizers.create("byte", ""),
                Tokenizers.create("char", "x")}) {
            Tokenizer back = Tokenizers.fromSpec(tok.spec());
            assertEquals(tok, back);
            assertEquals(tok.vocabSize(), back.vocabSize());
            assertArrayEquals(tok.encode(tok.decode(new int[] {0})), back.encode(back.decode(new int[] {0})));
        }
        Tokenizer tok = Tokenizers.create("char", MIXED);
        assertArrayEquals(tok.encode(MIXED), Tokenizers.fromSpec(tok.spec()).encode(MIXED));
        assertTrue(tok.spec().chars().allMatch(c -> c >= 0x20 && c < 0x7F), "spec is printable ASCII: " + tok.spec());
    }

    @Test
    void errorMessages() {
        Tokenizer tok = Tokenizers.create("char", "abc");
        assertEquals("character 'z' (U+007A) at position 2 is not in the tokenizer's alphabet of 3 characters: "
                + "remove it from the text, or train with --tokenizer byte",
                assertThrows(IllegalArgumentException.class, () -> tok.encode("abz")).getMessage());
        assertEquals("character U+000A at position 1 is not in the tokenizer's alphabet of 3 characters: "
                + "remove it from the text, or train with --tokenizer byte",
                assertThrows(IllegalArgumentException.class, () -> tok.encode("a\n")).getMessage());
        assertEquals("character '🙂' (U+1F642) at position 1 is not in the tokenizer's alphabet of 3 characters: "
                + "remove it from the text, or train with --tokenizer byte",
                assertThrows(IllegalArgumentException.class, () -> tok.encode("a🙂")).getMessage());
        assertEquals("token id 3 at position 1 is outside the char vocabulary [0, 3): decode only ids produced by this tokenizer",
                assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {0, 3})).getMessage());
        assertEquals("token id 256 at position 0 is outside the byte vocabulary [0, 256): decode only ids produced by this tokenizer",
                assertThrows(IllegalArgumentException.class, () -> ByteTokenizer.INSTANCE.decode(new int[] {256})).getMessage());
        assertEquals("unknown tokenizer 'x': use char, byte, gpt2, auto or the path of a tokenizer.json",
                assertThrows(IllegalArgumentException.class, () -> Tokenizers.create("x", "abc")).getMessage());
        assertEquals("unreadable tokenizer spec 'char:zz': expected 'byte', 'gpt2', 'hf-json:' followed by a tokenizer.json, "
                + "or 'char:' followed by hex code points",
                assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSpec("char:zz")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSpec("char:62,61"), "unsorted");
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSpec("char:"), "empty");
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSpec("bytes"));
        assertEquals("a char tokenizer needs at least one character: build it from non-empty text",
                assertThrows(IllegalArgumentException.class, () -> Tokenizers.create("char", "")).getMessage());
    }
}
