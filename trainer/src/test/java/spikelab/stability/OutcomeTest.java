package spikelab.stability;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class OutcomeTest {
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
