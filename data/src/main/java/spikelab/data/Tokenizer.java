package spikelab.data;

/**
 * Maps text to token ids in [0, vocabSize) and back. Implementations are immutable; two tokenizers
 * are equal exactly when their {@link #spec()} strings are equal.
 */
public interface Tokenizer {
    int vocabSize();

    /** Token ids for {@code text}; a character the tokenizer cannot represent is an error naming it. */
    int[] encode(String text);

    /** Text for the ids; an id outside [0, vocabSize) is an error. */
    String decode(int[] ids);

    /**
     * A compact, JSON-safe string from which {@link Tokenizers#fromSpec(String)} rebuilds an equal
     * tokenizer (stored in run configs and checkpoints).
     */
    String spec();

    /** "char", "byte", "gpt2" or "tokenizer.json". */
    String kind();
}
