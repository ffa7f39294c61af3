package spikelab.train;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import spikelab.backend.Backend;
import spikelab.backend.Precision;
import spikelab.backend.cpu.CpuBackend;
import spikelab.backend.cpu.Gemm;
import spikelab.run.UserError;
import spikelab.cuda.CudaBackend;
import spikelab.cuda.GpuOutOfMemory;

/** Picks the backend for {@code --device cpu|cuda|cuda:N|auto}. */
public final class Devices {
    private static final Logger log = LoggerFactory.getLogger(Devices.class);

    private Devices() {}

    /**
     * The backend for {@code device} computing its products in {@code precision}: bf16 is
     * emulated exactly on the CPU and runs on CUDA's tensor cores; tf32 exists on CUDA only,
     * bf16-autocast on the CPU only.
     */
    public static Backend open(String device, int threads, Precision precision) {
        return open(device, threads, precision, false);
    }

    /**
     * As above; {@code cudaGraphs} lets a CUDA backend record the training step as a graph
     * (ignored, with a log line, when {@code auto} lands on the CPU; refused for {@code cpu}
     * by {@link TrainOptions#validate}).
     */
    public static Backend open(String device, int threads, Precision precision, boolean cudaGraphs) {
        switch (device) {
            case "cpu":
                return openCpu(threads, precision);
            case "auto": {
                if (precision == Precision.BF16_AUTOCAST) {
                    log.info("--device auto: using the CPU (--precision bf16-autocast is emulated there only)");
                    return openCpu(threads, precision);
                }
                String why = cudaUnavailableReason();
                if (why == null) return openCuda(0, precision, cudaGraphs, device);
                log.info("--device auto: using the CPU ({}){}", why, cudaGraphs ? "; --cuda-graphs has no effect there" : "");
                return openCpu(threads, precision);
            }
            default: {   // cuda (GPU 0) or cuda:N
                int gpu = cudaOrdinal(device);
                if (gpu < 0) throw new UserError(unknownDevice(device));
                if (precision == Precision.BF16_AUTOCAST) throw new UserError("--device " + device + ": " + CudaBackend.AUTOCAST_ON_CPU_ONLY);
                String why = cudaUnavailableReason();
                if (why != null) throw new UserError("--device " + device + ": " + why);
                return openCuda(gpu, precision, cudaGraphs, device);
            }
        }
    }

    private static Backend openCpu(int threads, Precision precision) {
        if (precision == Precision.TF32) {
            throw new UserError("--precision tf32 (or --tf32) is a CUDA tensor-core mode and this run is on the CPU: "
                    + "use --precision fp32, or bf16 (emulated), or --device cuda on a GPU");
        }
        String slow = Gemm.slowKernelAdvice();
        if (slow != null && !warnedSlowKernel.getAndSet(true)) log.warn(slow);
        return new CpuBackend(cpuThreads(threads, true), precision);
    }

    /** A sweep opens a backend per cell; the slow-kernel line is said once per process. */
    private static final AtomicBoolean warnedSlowKernel = new AtomicBoolean();

    /**
     * The CPU threads a run will use: {@code requested}, but no more than the cores the JVM
     * may use. The pool's workers spin between a step's loops, so a worker without a core of
     * its own only steals time from the others (3 threads on 2 cores ran at a sixth of the
     * speed of 2, 64 threads at a hundredth). Results do not depend on the count.
     */
    public static int cpuThreads(int requested, boolean warn) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (requested <= cores) return requested;
        if (warn) {
            log.warn("--threads {} is more than the {} cores available: using {} (extra threads only slow the pool down)",
                    requested, cores, cores);
        }
        return cores;
    }

    /** null when a CUDA GPU is usable, else one line saying why not and what to do. */
    public static String cudaUnavailableReason() {
        return CudaBackend.unavailableReason().orElse(null);
    }

    /** For {@code spikelab info}: the GPUs, driver and matrix path, or why CUDA is unusable. */
    public static String describeCuda() {
        return CudaBackend.describeSystem();
    }

    private static Backend openCuda(int gpu, Precision precision, boolean cudaGraphs, String device) {
        try {
            return new CudaBackend(gpu, precision, cudaGraphs);
        } catch (IllegalStateException e) {      // out of memory, missing kernels, no such GPU: already one clear line
            String line = "--device " + device + ": " + e.getMessage();
            // flagged, so that a threaded sweep queues the cell again rather than stopping
            if (e instanceof GpuOutOfMemory) throw UserError.outOfMemory(line, e);
            throw new UserError(line);
        }
    }

    /** Whether {@code device} will run on a GPU: cuda, cuda:N, or auto on a machine whose CUDA is usable. */
    public static boolean runsOnGpu(String device) {
        return isCuda(device) || (device.equals("auto") && cudaUnavailableReason() == null);
    }

    /** True for cuda and cuda:N. */
    public static boolean isCuda(String device) {
        return device.equals("cuda") || device.startsWith("cuda:");
    }

    /** N of {@code cuda:N} (0 for {@code cuda}); -1 for anything else, a malformed cuda:… included. */
    public static int cudaOrdinal(String device) {
        if (device.equals("cuda")) return 0;
        if (!device.startsWith("cuda:")) return -1;
        String n = device.substring(5);
        if (!n.matches("[0-9]{1,4}")) return -1;
        return Integer.parseInt(n);
    }

    /** The error for a --device value that is none of cpu, cuda, cuda:N, auto. */
    public static String unknownDevice(String device) {
        return "unknown --device '" + device + "': use cpu, cuda, cuda:N (GPU number N, from 0) or auto";
    }
}
