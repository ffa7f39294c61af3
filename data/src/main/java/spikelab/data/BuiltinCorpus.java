package spikelab.data;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The built-in training text (DESIGN §6): generated from a seed, no file needed, with structure at
 * several ranges and an exactly known entropy rate.
 *
 * <h2>The source</h2>
 * A seeded lexicon of {@value #LEXICON} distinct lowercase pseudo-words (1 to 3 syllables); a set of
 * {@value #STARTS} start words; for every word, {@value #SUCCESSORS} distinct successor words. The
 * text is a sequence of lines, each ending in '\n'. Each line (except the first two, which are
 * always prose) is independently
 * <ul>
 *   <li>prose, with probability {@value #P_PROSE}: a start word (capitalised), drawn with Zipf
 *       probabilities ∝ 1/r over the start words; then after the k-th word the line ends with
 *       probability e_k (0 for k &lt; {@value #MIN_WORDS}, {@value #END} up to k = {@value #MAX_WORDS},
 *       1 at k = {@value #MAX_WORDS}), writing ".\n", or continues with " " and a successor of the
 *       current word drawn with Zipf probabilities ∝ 1/r over its {@value #SUCCESSORS} successors;</li>
 *   <li>a copy of the previous line, with probability {@value #P_COPY1}: '&gt;' then that line's
 *       prose text (for a copy line, the prose it copied);</li>
 *   <li>a copy of the line two above, with probability {@value #P_COPY2}: '^' then its prose text.</li>
 * </ul>
 * So a model can learn spelling (a few characters), which words follow which (about a word), where
 * lines end (a line) and, with attention, how to copy a line 40 to 100 characters back.
 *
 * <h2>The entropy floor</h2>
 * Every random choice can be read back from the text (words are distinct and space- or
 * '.'-terminated, line kinds are marked by their first character, line ends are '\n'), so by the chain
 * rule the entropy of the text equals the entropy of the choices, and the best possible model's
 * expected loss per character is the entropy rate of the source. Lines are independent and
 * identically distributed apart from what copies repeat, so the rate is the expected entropy per
 * line over the expected characters per line:
 * <pre>
 *   h = [ H(kind) + p_prose · ( H(start) + Σ_k S_k · (h₂(e_k) + (1 − e_k) · H(succ)) ) ]
 *       / [ L_prose + p_copy1 + p_copy2 ]
 *   L_prose = 1 + Σ_k S_k · (1 + Σ_w d_k(w) · |w|)
 * </pre>
 * with S_k = P(a prose line has at least k words) = Π_{j&lt;k} (1 − e_j), h₂ the binary entropy,
 * d_1 the start-word distribution and d_{k+1}(v) = Σ_w d_k(w) · P(v follows w) (the end decision does
 * not depend on the word, so d_k is also the distribution of the k-th word given S_k). The sum over k
 * runs to {@value #MAX_WORDS}, so h is exact, not a bound. A copy line costs one choice and one
 * marker character; its content has the expected length of a prose line. All characters are ASCII,
 * so the floor is the same per token for the char and the byte tokenizer. It assumes a model that
 * sees the copied line: with a context shorter than about three lines the achievable loss is higher.
 *
 * <p>A seed fixes the text forever: changing anything here changes every built-in corpus, so keep
 * the generator as it is unless results are meant to be regenerated.
 */
public final class BuiltinCorpus {
    public static final int DEFAULT_CHARS = 1_000_000;

    static final int LEXICON = 384;
    static final int STARTS = 32;
    static final int SUCCESSORS = 6;
    static final int MIN_WORDS = 3;
    static final int MAX_WORDS = 12;
    static final double END = 0.25;
    static final double P_PROSE = 0.80;
    static final double P_COPY1 = 0.12;
    static final double P_COPY2 = 0.08;
    static final char COPY1 = '>';
    static final char COPY2 = '^';

    private static final String ONSETS = "bcdfghjklmnprstvwz";
    private static final String VOWELS = "aeiou";
    private static final String CODAS = "nrslt";

    private final long seed;
    private final String[] words;
    private final int[] startWords;
    private final double[] startProbs;
    private final int[][] successors;
    private final double[] successorProbs;
    private final double[] kindProbs = {P_PROSE, P_COPY1, P_COPY2};
    private final String text;
    private final double entropyFloor;

    private BuiltinCorpus(long seed, int chars) {
        this.seed = seed;
        Rng rng = Rng.derived(seed, 0xC0FFEE);
        words = lexicon(rng);
        startWords = distinctSample(rng, LEXICON, STARTS, -1);
        startProbs = zipf(STARTS);
        successors = new int[LEXICON][];
        for (int w = 0; w < LEXICON; w++) successors[w] = distinctSample(rng, LEXICON, SUCCESSORS, w);
        successorProbs = zipf(SUCCESSORS);
        text = generate(rng, chars);
        entropyFloor = computeEntropyRate();
    }

    /** The default-size corpus for {@code seed}. */
    public static BuiltinCorpus generate(long seed) {
        return generate(seed, DEFAULT_CHARS);
    }

    public static BuiltinCorpus generate(long seed, int chars) {
        if (chars < 1) {
            throw new IllegalArgumentException("built-in corpus size must be at least 1 character, got " + chars);
        }
        return new BuiltinCorpus(seed, chars);
    }

    public long seed() { return seed; }
    public String text() { return text; }

    /** Exact entropy rate of the source, nats per character (see the class comment). */
    public double entropyFloorNats() { return entropyFloor; }

    /** Entropy of the character frequencies of the generated text, nats: what a model without context reaches. */
    public double unigramEntropyNats() {
        int[] counts = new int[128];
        for (int i = 0; i < text.length(); i++) counts[text.charAt(i)]++;
        double h = 0;
        for (int c : counts) {
            if (c > 0) {
                double p = (double) c / text.length();
                h -= p * Math.log(p);
            }
        }
        return h;
    }

    // The source's parameters, for the test that checks the floor against the true model's loss.
    String word(int w) { return words[w]; }
    int[] startWords() { return startWords.clone(); }
    double[] startProbs() { return startProbs.clone(); }
    int[] successors(int w) { return successors[w].clone(); }
    double[] successorProbs() { return successorProbs.clone(); }
    double[] kindProbs() { return kindProbs.clone(); }

    /** Probability that a prose line ends right after its k-th word (k ≥ 1). */
    static double endProbability(int k) {
        return k < MIN_WORDS ? 0 : k < MAX_WORDS ? END : 1;
    }

    private String generate(Rng rng, int chars) {
        StringBuilder sb = new StringBuilder(chars + 256);
        // Resolved prose of the last two lines: what a copy marker refers to.
        String prev1 = null, prev2 = null;
        for (int line = 0; sb.length() < chars; line++) {
            int kind = line < 2 ? 0 : rng.nextIndex(kindProbs);
            String prose;
            if (kind == 0) {
                prose = proseLine(rng);
            } else {
                prose = kind == 1 ? prev1 : prev2;
                sb.append(kind == 1 ? COPY1 : COPY2);
            }
            sb.append(prose);
            prev2 = prev1;
            prev1 = prose;
        }
        sb.setLength(chars);
        return sb.toString();
    }

    private String proseLine(Rng rng) {
        StringBuilder sb = new StringBuilder(80);
        int w = startWords[rng.nextIndex(startProbs)];
        String first = words[w];
        sb.append(Character.toUpperCase(first.charAt(0))).append(first, 1, first.length());
        for (int k = 1; ; k++) {
            double e = endProbability(k);
            if (e >= 1 || (e > 0 && rng.nextDouble() < e)) break;
            w = successors[w][rng.nextIndex(successorProbs)];
            sb.append(' ').append(words[w]);
        }
        return sb.append(".\n").toString();
    }

    private double computeEntropyRate() {
        double hKind = entropy(kindProbs);
        double hSucc = entropy(successorProbs);
        double[] d = new double[LEXICON];
        for (int i = 0; i < STARTS; i++) d[startWords[i]] += startProbs[i];
        double survive = 1;            // S_k
        double hProse = entropy(startProbs);
        double lenProse = 1;           // the '\n'
        for (int k = 1; k <= MAX_WORDS; k++) {
            double e = endProbability(k);
            double meanLen = 0;
            for (int w = 0; w < LEXICON; w++) meanLen += d[w] * words[w].length();
            lenProse += survive * (1 + meanLen);   // the word and its ' ' or '.'
            hProse += survive * (binaryEntropy(e) + (1 - e) * hSucc);
            double[] next = new double[LEXICON];
            for (int w = 0; w < LEXICON; w++) {
                for (int j = 0; j < SUCCESSORS; j++) next[successors[w][j]] += d[w] * successorProbs[j];
            }
            d = next;
            survive *= 1 - e;
        }
        return (hKind + P_PROSE * hProse) / (lenProse + P_COPY1 + P_COPY2);
    }

    private static String[] lexicon(Rng rng) {
        String[] out = new String[LEXICON];
        Set<String> seen = new HashSet<>();
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < LEXICON; ) {
            sb.setLength(0);
            int syllables = 1 + rng.nextInt(3);
            for (int s = 0; s < syllables; s++) {
                if (rng.nextDouble() < 0.85) sb.append(ONSETS.charAt(rng.nextInt(ONSETS.length())));
                sb.append(VOWELS.charAt(rng.nextInt(VOWELS.length())));
                if (rng.nextDouble() < 0.3) sb.append(CODAS.charAt(rng.nextInt(CODAS.length())));
            }
            String w = sb.toString();
            if (w.length() >= 2 && seen.add(w)) out[n++] = w;
        }
        return out;
    }

    /** {@code k} distinct values from [0, n) other than {@code exclude}, in random order. */
    private static int[] distinctSample(Rng rng, int n, int k, int exclude) {
        int[] out = new int[k];
        boolean[] used = new boolean[n];
        if (exclude >= 0) used[exclude] = true;
        for (int i = 0; i < k; ) {
            int v = rng.nextInt(n);
            if (!used[v]) {
                used[v] = true;
                out[i++] = v;
            }
        }
        return out;
    }

    private static double[] zipf(int n) {
        double[] p = new double[n];
        double sum = 0;
        for (int r = 0; r < n; r++) sum += 1.0 / (r + 1);
        for (int r = 0; r < n; r++) p[r] = 1.0 / (r + 1) / sum;
        return p;
    }

    static double entropy(double[] p) {
        double h = 0;
        for (double x : p) if (x > 0) h -= x * Math.log(x);
        return h;
    }

    static double binaryEntropy(double p) {
        return p <= 0 || p >= 1 ? 0 : -p * Math.log(p) - (1 - p) * Math.log(1 - p);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "BuiltinCorpus(seed %d, %,d chars, floor %.4f nats/char)",
                seed, text.length(), entropyFloor);
    }
}
