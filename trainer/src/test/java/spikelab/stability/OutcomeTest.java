package spikelab.stability;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class OutcomeTest {
    @Test
    void unigramEntropyInNats() {
        assertEquals(Math.log(4), Outcome.unigramEntropy(new int[] {0, 1, 2, 3, 3, 2, 1, 0}, 6), 1e-15);
        assertEquals(0.0, Outcome.unigramEntropy(new int[] {5, 5, 5}, 6));
        // p = 3/4, 1/4
        assertEquals(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), Outcome.unigramEntropy(new int[] {1, 1, 1, 0}, 2), 1e-15);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Outcome.unigramEntropy(new int[] {0, 7}, 6));
        assertEquals("token id 7 is outside the vocabulary of 6", e.getMessage());
    }

    @Test
    void divergedThenInterruptedThenStalledThenOk() {
        double h = 3.0, m = 0.1;
        assertEquals("diverged", Outcome.of(true, true, 100, 30, 5, h, m), "divergence wins over everything");
        assertEquals("interrupted", Outcome.of(false, true, 100, 30, 1, h, m));
        assertEquals("stalled", Outcome.of(false, false, 300, 30, 2.95, h, m));
        assertEquals("stalled", Outcome.of(false, false, 300, 30, 3.4, h, m), "worse than unigram is stalled too");
        assertEquals("stalled", Outcome.of(false, false, 300, 30, Double.NaN, h, m));
        assertEquals("ok", Outcome.of(false, false, 300, 30, 2.89, h, m));
        assertEquals("ok", Outcome.of(false, false, 30, 30, 3.5, h, m), "a run that never left warm-up is not judged");
    }
}
