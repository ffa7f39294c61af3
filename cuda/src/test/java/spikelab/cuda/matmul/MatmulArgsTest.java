package spikelab.cuda.matmul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jcuda.Pointer;
import org.junit.jupiter.api.Test;

/** Host-side logic that needs no GPU: argument checks, the split-K choice, the path switch. */
class MatmulArgsTest {
    private static final Pointer P = new Pointer();

    @Test
    void rejectsLeadingDimensionShorterThanStoredRow() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> MatmulArgs.check(true, false, 10, 20, 30, P, 9, P, 20, P, 20));
        assertEquals("gemm: lda=9 is smaller than m (A is transposed)=10; the row stride must be at least"
                + " the stored row length", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MatmulArgs.check(false, true, 10, 20, 30, P, 30, P, 29, P, 20));
        assertEquals("gemm: ldb=29 is smaller than k (B is transposed)=30; the row stride must be at least"
                + " the stored row length", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MatmulArgs.check(false, false, 10, 20, 30, P, 30, P, 20, P, 19));
        assertEquals("gemm: ldc=19 is smaller than n=20; the row stride must be at least the stored row length",
                e.getMessage());
        MatmulArgs.check(false, false, 10, 20, 30, P, 30, P, 20, P, 20);
        MatmulArgs.check(false, false, 0, 0, 0, null, 1, null, 1, null, 1);
    }

    @Test
    void rejectsNegativeSizesAndStrides() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> MatmulArgs.check(false, false, -1, 2, 3, P, 3, P, 2, P, 2));
        assertEquals("gemm: negative size m=-1, n=2, k=3; sizes must be >= 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MatmulArgs.checkBatch(2, 0, -4, 0));
        assertEquals("gemmStridedBatched: negative stride (0, -4, 0); strides are element counts >= 0",
                e.getMessage());
    }

    @Test
    void splitsKOnlyWhenTheOutputLeavesBlockSlotsIdle() {
        int slots = 264; // H100: 132 SMs, 2 blocks each
        assertEquals(1, KernelMatmul.chooseSplits(8192, 2304, 768, slots), "plenty of tiles");
        assertEquals(1, KernelMatmul.chooseSplits(128, 128, 300, slots), "K too short to split");
        // 2304×768 has 108 tiles on 264 slots: split, keeping >= 256 of K per split
        int s = KernelMatmul.chooseSplits(2304, 768, 8192, slots);
        assertTrue(s > 1 && 8192 / s >= 256, "splits " + s);
        s = KernelMatmul.chooseSplits(768, 768, 8192, slots);
        assertTrue(s > 1 && 8192 / s >= 256, "splits " + s);
        assertEquals(2, KernelMatmul.chooseSplits(128, 128, 600, slots), "never more splits than K/256");
        // the workspace (splits·m·n floats) stays within 64 MiB
        s = KernelMatmul.chooseSplits(4096, 4096, 1 << 20, 4096);
        assertTrue(s >= 1 && (long) s * 4096 * 4096 <= 16L << 20, "splits " + s);
    }

    @Test
    void narrowTilesOnlyWhereWideOnesWouldBeMostlyEmpty() {
        assertTrue(KernelMatmul.useNarrow(64));
        assertTrue(KernelMatmul.useNarrow(1));
        assertTrue(KernelMatmul.useNarrow(130));
        assertFalse(KernelMatmul.useNarrow(320));
        assertFalse(KernelMatmul.useNarrow(768));
        assertFalse(KernelMatmul.useNarrow(100));
        assertFalse(KernelMatmul.useNarrow(50257));
    }

    @Test
    void unknownPathChoiceIsAClearError() {
        String old = System.getProperty(Matmuls.PROPERTY);
        try {
            System.setProperty(Matmuls.PROPERTY, "magma");
            var e = assertThrows(IllegalArgumentException.class, () -> Matmuls.create(null, spikelab.backend.Precision.FP32));
            assertEquals("spikelab.matmul=magma is not a matmul choice; use auto, cublas or kernels", e.getMessage());
        } finally {
            if (old == null) System.clearProperty(Matmuls.PROPERTY);
            else System.setProperty(Matmuls.PROPERTY, old);
        }
    }
}
