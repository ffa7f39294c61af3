package spikelab.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import spikelab.backend.cpu.CpuBackend;

/** bench --profile's timing view: counts only while enabled, keys products by shape, forwards results and errors. */
class BackendProfilerTest {
    @Test
    void countsEnabledCallsByOpAndProductShape() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            BackendProfiler prof = BackendProfiler.wrap(cpu);
            Backend be = prof.backend();
            Tensor a = be.allocate(6).all(), b = be.allocate(6).all(), c = be.allocate(4).all(), d = be.allocate(6).all();
            be.upload(a, new float[] {1, 2, 3, 4, 5, 6});
            be.upload(b, new float[] {1, 0, 0, 1, 1, 1});
            be.gemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2);   // before enable: not counted
            prof.enable(true);
            be.gemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2);
            be.gemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2);
            be.gemm(true, false, 3, 2, 2, 1f, a, 3, b, 2, 0f, d, 2);
            double s = be.sum(c);
            prof.enable(false);
            be.sum(c);
            assertEquals(4 + 5 + 10 + 11, s, 0.0);   // the result comes back through the proxy
            List<BackendProfiler.Entry> es = prof.entries();
            assertEquals(2, es.stream().filter(e -> e.op().equals("gemm NN 2x2x3")).findFirst().orElseThrow().calls());
            assertEquals(1, es.stream().filter(e -> e.op().equals("gemm TN 3x2x2")).findFirst().orElseThrow().calls());
            assertEquals(1, es.stream().filter(e -> e.op().equals("sum")).findFirst().orElseThrow().calls());
            assertEquals(3, es.size(), es.toString());
            String table = prof.table(1);
            assertTrue(table.contains("gemm NN 2x2x3") && table.contains("total"), table);
        }
    }

    @Test
    void errorsOfTheWrappedBackendPassThroughUnchanged() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            BackendProfiler prof = BackendProfiler.wrap(cpu);
            prof.enable(true);
            Backend be = prof.backend();
            Tensor a = be.allocate(2).all();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> be.gemm(false, false, 2, 2, 2, 1f, a, 2, a, 2, 0f, a, 2));
            assertTrue(e.getMessage().startsWith("gemm: A"), e.getMessage());
        }
    }
}
