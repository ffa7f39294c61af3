package spikelab.train;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import spikelab.backend.Backend;
import spikelab.backend.cpu.CpuBackend;
import spikelab.run.UserError;
import spikelab.cuda.CudaBackend;

/** Picks the backend for {@code --device cpu|cuda|auto}. */
public final class Devices {
    private static final Logger log = LoggerFactory.getLogger(Devices.class);

    private Devices() {}

    public static Backend open(String device, int threads, boolean tf32) {
        switch (device) {
            case "cpu":
                return new CpuBackend(cpuThreads(threads, true));
            case "cuda": {
                String why = cudaUnavailableReason();
                if (why != null) throw new UserError("--device cuda: " + why);
                return openCuda(tf32);
            }
            case "auto": {
                String why = cudaUnavailableReason();
                if (why == null) return openCuda(tf32);
                log.info("--device auto: using the CPU ({})", why);
                return new CpuBackend(cpuThreads(threads, true));
            }
            default:
                throw new UserError("unknown --device '" + device + "': use cpu, cuda or auto");
        }
    }

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

    private static Backend openCuda(boolean tf32) {
        try {
            return new CudaBackend(tf32);
        } catch (IllegalStateException e) {      // out of memory, missing kernels: already one clear line
            throw new UserError("--device cuda: " + e.getMessage());
        }
    }
}
