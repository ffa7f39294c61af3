package spikelab.data;

import java.util.Arrays;

/**
 * One token per Unicode code point, over a fixed alphabet: the sorted distinct code points of the
 * text it was built from (so ids are stable for a given text, whatever order the characters first
 * appear in).
 */
public final class CharTokenizer implements Tokenizer {
    static final String SPEC_PREFIX = "char:";

    private final int[] alphabet;          // sorted ascending, distinct
    private final String spec;

    private CharTokenizer(int[] sortedDistinct) {
        if (sortedDistinct.length == 0) {
            throw new IllegalArgumentException(
                    "a char tokenizer needs at least one character: build it from non-empty text");
        }
        this.alphabet = sortedDistinct;
        this.spec = SPEC_PREFIX + encodeAlphabet(sortedDistinct);
    }

    /** The tokenizer whose alphabet is every code point occurring in {@code text}. */
    public static CharTokenizer fromText(String text) {
        return new CharTokenizer(text.codePoints().sorted().distinct().toArray());
    }

    /** Rebuilds from {@link #spec()} (without validation of the prefix, done by {@link Tokenizers}). */
    static CharTokenizer fromSpecBody(String body, String fullSpec) {
        return new CharTokenizer(decodeAlphabet(body, fullSpec));
    }

    @Override public int vocabSize() { return alphabet.length; }
    @Override public String spec() { return spec; }
    @Override public String kind() { return "char"; }

    /** The code point of token {@code id}. */
    public int codePoint(int id) {
        checkId(id, -1);
        return alphabet[id];
    }

    @Override
    public int[] encode(String text) {
        int[] ids = new int[text.codePointCount(0, text.length())];
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int id = Arrays.binarySearch(alphabet, cp);
            if (id < 0) {
                throw new IllegalArgumentException("character " + describe(cp) + " at position " + n
                        + " is not in the tokenizer's alphabet of " + alphabet.length
                        + " characters: remove it from the text, or train with --tokenizer byte");
            }
            ids[n++] = id;
            i += Character.charCount(cp);
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i], i);
            sb.appendCodePoint(alphabet[ids[i]]);
        }
        return sb.toString();
    }

    private void checkId(int id, int position) {
        if (id < 0 || id >= alphabet.length) {
            throw new IllegalArgumentException("token id " + id
                    + (position >= 0 ? " at position " + position : "")
                    + " is outside the char vocabulary [0, " + alphabet.length
                    + "): decode only ids produced by this tokenizer");
        }
    }

    /** 'a' (U+0061); control and space characters are shown only by their number. */
    static String describe(int cp) {
        String hex = String.format("U+%04X", cp);
        boolean printable = !Character.isISOControl(cp) && !Character.isWhitespace(cp)
                && Character.isDefined(cp) && Character.getType(cp) != Character.FORMAT;
        return printable ? "'" + new String(Character.toChars(cp)) + "' (" + hex + ")" : hex;
    }

    /**
     * Hex code points, comma-separated, with runs of consecutive code points written as ranges:
     * "a,20,41-5a" for "\n", " ", "A".."Z". Plain ASCII hex keeps the spec JSON- and shell-safe
     * whatever characters the alphabet holds.
     */
    private static String encodeAlphabet(int[] cps) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cps.length; ) {
            int j = i;
            while (j + 1 < cps.length && cps[j + 1] == cps[j] + 1) j++;
            if (sb.length() > 0) sb.append(',');
            sb.append(Integer.toHexString(cps[i]));
            if (j > i) sb.append('-').append(Integer.toHexString(cps[j]));
            i = j + 1;
        }
        return sb.toString();
    }

    private static int[] decodeAlphabet(String body, String fullSpec) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        try {
            for (String part : body.split(",", -1)) {
                int dash = part.indexOf('-');
                int lo = Integer.parseInt(dash < 0 ? part : part.substring(0, dash), 16);
                int hi = dash < 0 ? lo : Integer.parseInt(part.substring(dash + 1), 16);
                if (lo < 0 || hi < lo || hi > Character.MAX_CODE_POINT
                        || (!out.isEmpty() && lo <= out.get(out.size() - 1))) {
                    throw new NumberFormatException();
                }
                for (int cp = lo; cp <= hi; cp++) out.add(cp);
            }
        } catch (NumberFormatException e) {
            throw Tokenizers.badSpec(fullSpec);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override public boolean equals(Object o) { return o instanceof CharTokenizer && ((CharTokenizer) o).spec.equals(spec); }
    @Override public int hashCode() { return spec.hashCode(); }
    @Override public String toString() { return "CharTokenizer(V=" + alphabet.length + ")"; }
}
