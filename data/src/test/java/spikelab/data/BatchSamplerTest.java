package spikelab.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {
    private static final int B = 4, T = 8;
    /** token i has id i, so every id names its own offset. */
    private static final int[] IOTA = IntStream.range(0, 50).toArray();

    private static int[][] draw(BatchSampler s, int batches) {
        int[][] out = new int[batches * 2][];
        for (int i = 0; i < batches; i++) {
            out[2 * i] = new int[B * T];
            out[2 * i + 1] = new int[B * T];
            s.next(out[2 * i], out[2 * i + 1]);
        }
        return out;
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void windowsAreContiguousAndTargetsAreShiftedByOne() {
        BatchSampler s = new BatchSampler(IOTA, B, T, 1);
        boolean[] seenStart = new boolean[IOTA.length];
        int[] in = new int[B * T], tg = new int[B * T];
        for (int i = 0; i < 500; i++) {
            s.next(in, tg);
            for (int b = 0; b < B; b++) {
                int start = in[b * T];
                assertTrue(start >= 0 && start + T < IOTA.length, "window " + start + " fits");
                seenStart[start] = true;
                for (int t = 0; t < T; t++) {
                    assertEquals(start + t, in[b * T + t]);
                    assertEquals(start + t + 1, tg[b * T + t]);
                }
            }
        }
        // Every start from 0 to n - T - 1 occurs (no off-by-one at either end), and none beyond.
        for (int start = 0; start < IOTA.length; start++) {
            assertEquals(start <= IOTA.length - T - 1, seenStart[start], "start " + start);
        }
    }

    @Test
    void sameSeedSameBatchesOtherSeedOtherBatches() {
        assertArrayEquals(draw(new BatchSampler(IOTA, B, T, 5), 3), draw(new BatchSampler(IOTA, B, T, 5), 3));
        assertFalse(java.util.Arrays.deepEquals(draw(new BatchSampler(IOTA, B, T, 5), 3),
                draw(new BatchSampler(IOTA, B, T, 6), 3)));
    }

    @Test
    void restoredSamplerDrawsTheSameFollowingBatches() {
        BatchSampler a = new BatchSampler(IOTA, B, T, 9);
        draw(a, 3);
        long[] state = a.state();
        int[][] expected = draw(a, 4);
        BatchSampler resumed = new BatchSampler(IOTA, B, T, 9);
        resumed.restore(state);
        assertArrayEquals(expected, draw(resumed, 4));
        assertArrayEquals(state, state.clone());
        assertNotSame(a.state(), a.state());
    }

    @Test
    void errors() {
        assertEquals("context 50 needs at least 51 tokens, but the split has 50: use a smaller --context or a larger data file",
                message(() -> new BatchSampler(IOTA, B, 50, 1)));
        assertEquals("batch must be at least 1, got 0: pass a positive --batch", message(() -> new BatchSampler(IOTA, 0, T, 1)));
        assertEquals("context must be at least 1, got -1: pass a positive --context", message(() -> new BatchSampler(IOTA, B, -1, 1)));
        BatchSampler s = new BatchSampler(IOTA, B, T, 1);
        assertEquals("inputs and targets must each hold batch x context = 32 ints, got 32 and 31",
                message(() -> s.next(new int[32], new int[31])));
        assertEquals("random state must have 4 numbers, got 2: pass the array returned by state()",
                message(() -> s.restore(new long[2])));
    }

    @Test
    void evalBatchesAreFixedPerSeedAndDifferAcrossSeeds() {
        List<EvalBatches.Batch> a = EvalBatches.fixed(IOTA, B, T, 3, 11);
        List<EvalBatches.Batch> b = EvalBatches.fixed(IOTA, B, T, 3, 11);
        List<EvalBatches.Batch> c = EvalBatches.fixed(IOTA, B, T, 3, 12);
        assertEquals(3, a.size());
        boolean differs = false;
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(a.get(i).inputs(), b.get(i).inputs());
            assertArrayEquals(a.get(i).targets(), b.get(i).targets());
            differs |= !java.util.Arrays.equals(a.get(i).inputs(), c.get(i).inputs());
            for (int k = 0; k < B * T; k++) assertEquals(a.get(i).inputs()[k] + 1, a.get(i).targets()[k]);
        }
        assertTrue(differs, "another seed gives other batches");
        // Evaluation must not consume or mirror the training stream of the same seed.
        int[] in = new int[B * T], tg = new int[B * T];
        new BatchSampler(IOTA, B, T, 11).next(in, tg);
        assertFalse(java.util.Arrays.equals(in, a.get(0).inputs()));
        assertEquals("number of evaluation batches must be at least 1, got 0: pass a positive --eval-batches",
                message(() -> EvalBatches.fixed(IOTA, B, T, 0, 1)));
    }

    @Test
    void probeSpreadsWindowsFromFirstToLastToken() {
        EvalBatches.Batch p = EvalBatches.probe(IOTA, B, T);
        int last = IOTA.length - T - 1;                        // 41
        int[] starts = {0, last / 3, 2 * last / 3, last};
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                assertEquals(starts[b] + t, p.inputs()[b * T + t]);
                assertEquals(starts[b] + t + 1, p.targets()[b * T + t]);
            }
        }
        assertEquals(IOTA.length - 1, p.targets()[B * T - 1], "last target is the last token");
        assertArrayEquals(new int[] {0, 1, 2}, EvalBatches.probe(new int[] {0, 1, 2, 3}, 1, 3).inputs());
    }
}
