package spikelab.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Runs everywhere: the no-GPU path must explain itself, and the host-side token grouping is exact. */
class CudaAvailabilityTest {

    @Test
    void reasonOrDescriptionIsOneClearLine() {
        Optional<String> why = CudaBackend.unavailableReason();
        String info = CudaBackend.describeSystem();
        if (why.isPresent()) {
            String w = why.get();
            assertFalse(w.contains("\n"), w);
            assertTrue(w.endsWith("use --device cpu"), "the reason should end with the fix: " + w);
            assertTrue(info.startsWith("unavailable: "), info);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new CudaBackend(false));
            assertTrue(e.getMessage().equals(w), e.getMessage());
        } else {
            assertTrue(info.contains("compute capability") && info.contains("matrix products:"), info);
            System.out.println("[cuda] " + info);
        }
    }

    @Test
    void groupsPositionsByTokenInPositionOrder() {
        int[] ids = {3, 0, 3, 5, 0, 3};
        int[] g = CudaIntBuffer.groupByToken(ids, ids.length, 5);
        // order: token 0 at 1,4; token 3 at 0,2,5; token 5 at 3 | starts 0,2,5,6 (n + 1 slots)
        // | tokens 0,3,5 (n slots) | 3 segments: fixed offsets for a given n
        assertArrayEquals(new int[] {1, 4, 0, 2, 5, 3, 0, 2, 5, 6, 0, 0, 0, 0, 3, 5, 0, 0, 0, 3}, g);
        int[] one = CudaIntBuffer.groupByToken(new int[] {7, 7}, 2, 7);
        assertArrayEquals(new int[] {0, 1, 0, 2, 0, 7, 0, 1}, one);
        assertArrayEquals(new int[] {0, 0}, CudaIntBuffer.groupByToken(new int[0], 0, -1));
    }
}
