package spikelab.cuda;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

import jcuda.CudaException;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;

/**
 * {@link spikelab.backend.Backend#replay} with CUDA graphs. A small model's step is hundreds of
 * short kernels, and launching them one by one from Java costs more than running them; a graph
 * records the step once and launches it with one call.
 *
 * <p>Per key: the first call runs the body eagerly (its ops allocate whatever scratch they need
 * on first use, which a recording must not do); the second records it with stream capture and
 * launches the recording; later calls launch it again. A recording holds device addresses, so
 * it is thrown away and made again (eager run first) whenever the backend has freed memory
 * since it was made: the {@code releases} count says when. Capture is thread-local, and
 * {@link CaptureFence} keeps other threads' device-wide calls (frees, clean-up) out of it, so
 * runs sharing the GPU from other threads neither break a recording nor are broken by it.
 */
final class CudaGraphs implements AutoCloseable {
    /** One body's recording, and how far it got. */
    private static final class Recording {
        boolean ranEagerly;
        CUgraph graph;
        CUgraphExec exec;
        /** The backend's release count when the eager run ended, then when the recording began. */
        long releases;
    }

    private final CUstream stream;
    private final LongSupplier releases;
    private final Map<Object, Recording> recordings = new IdentityHashMap<>();
    private boolean capturing;

    /** @param releases how many device buffers the backend (and its matrix products) have freed so far */
    CudaGraphs(CUstream stream, LongSupplier releases) {
        this.stream = stream;
        this.releases = releases;
    }

    /** True while a body is being recorded: nothing may allocate, free or wait for the stream then. */
    boolean capturing() { return capturing; }

    void replay(Object key, Runnable body) {
        Recording r = recordings.computeIfAbsent(key, k -> new Recording());
        if (r.exec != null && r.releases != releases.getAsLong()) {
            destroy(r);                    // memory the recording addresses may have been freed
            r.ranEagerly = false;
        }
        if (r.exec == null) {
            // eagerly again when memory was freed since the eager run: scratch it sized may be gone,
            // and allocating it anew inside the recording would fail it
            if (!r.ranEagerly || r.releases != releases.getAsLong()) {
                body.run();
                r.ranEagerly = true;
                r.releases = releases.getAsLong();
                return;
            }
            record(r, body);
        }
        cuGraphLaunch(r.exec, stream);
    }

    private void record(Recording r, Runnable body) {
        long before = releases.getAsLong();
        CUgraph graph = CaptureFence.recording(() -> capture(body));
        CUgraphExec exec = new CUgraphExec();
        try {
            cuGraphInstantiate(exec, graph, 0);
        } catch (CudaException e) {
            cuGraphDestroy(graph);
            throw new IllegalStateException("instantiating the training step's CUDA graph failed (" + e.getMessage()
                    + "): run without --cuda-graphs", e);
        }
        if (releases.getAsLong() != before) {
            cuGraphExecDestroy(exec);
            cuGraphDestroy(graph);
            throw new IllegalStateException("memory was freed while recording a CUDA graph: run without --cuda-graphs");
        }
        r.graph = graph;
        r.exec = exec;
        r.releases = before;
    }

    /** The body's work as a graph; the stream leaves capture mode whatever the body throws. */
    private CUgraph capture(Runnable body) {
        CUgraph graph = new CUgraph();
        cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
        capturing = true;
        try {
            body.run();
        } catch (RuntimeException | Error e) {
            capturing = false;
            try {
                cuStreamEndCapture(stream, graph);   // fails when the error invalidated the capture
                cuGraphDestroy(graph);
            } catch (CudaException ignored) {
                // the capture is over either way; the first error is the one to report
            }
            if (e instanceof Error err) throw err;
            throw new IllegalStateException("recording the training step as a CUDA graph failed (" + e.getMessage()
                    + "): run without --cuda-graphs", e);
        }
        capturing = false;
        cuStreamEndCapture(stream, graph);
        return graph;
    }

    private static void destroy(Recording r) {
        cuGraphExecDestroy(r.exec);
        cuGraphDestroy(r.graph);
        r.exec = null;
        r.graph = null;
    }

    /** Frees every recording; the stream must be idle (the backend synchronises before). */
    @Override
    public void close() {
        for (Recording r : recordings.values()) if (r.exec != null) destroy(r);
        recordings.clear();
    }
}
