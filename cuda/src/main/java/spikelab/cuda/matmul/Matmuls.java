package spikelab.cuda.matmul;

import java.util.Locale;

import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import spikelab.backend.Precision;
import spikelab.cuda.GpuOutOfMemory;

/**
 * Picks the matrix-product implementation: cuBLAS through JCublas2 when its natives load,
 * otherwise spikelab's own kernels, with one log line saying why.
 *
 * <p>JCublas 12.6.0 links against {@code libcublas.so.12} (versioned symbols); a CUDA 13
 * machine ships only {@code libcublas.so.13}, so loading fails there with an
 * UnsatisfiedLinkError. Setting the system property {@code spikelab.matmul=kernels} (or the
 * environment variable {@code SPIKELAB_MATMUL=kernels}) forces the kernels, e.g. to test them
 * where cuBLAS works; {@code cublas} makes a missing cuBLAS an error instead of a fallback.
 */
public final class Matmuls {
    public static final String PROPERTY = "spikelab.matmul";
    public static final String ENV = "SPIKELAB_MATMUL";
    private static final Logger LOG = LoggerFactory.getLogger(Matmuls.class);

    private Matmuls() {}

    /** The caller's context (the device's primary context) must be current on this thread. */
    public static Matmul create(CUstream stream, Precision precision) {
        String choice = choice();
        switch (choice) {
            case "kernels":
                return new KernelMatmul(stream, precision, "forced by " + PROPERTY + "=kernels");
            case "cublas":
                return spikelab.cuda.NativeLoadLock.around(() -> new CublasMatmul(stream, precision));
            case "auto":
                break;
            default:
                throw new IllegalArgumentException(PROPERTY + "=" + choice
                        + " is not a matmul choice; use auto, cublas or kernels");
        }
        String why;
        try {
            return spikelab.cuda.NativeLoadLock.around(() -> new CublasMatmul(stream, precision));
        } catch (Throwable e) { // UnsatisfiedLinkError from the natives, CudaException from cublasCreate
            // short of memory is not "cuBLAS unavailable": falling back would change this run's numerics
            if (e instanceof GpuOutOfMemory oom) throw oom;
            why = unavailableReason(e);
        }
        LOG.warn("cuBLAS 12 unavailable ({}): using spikelab's own SGEMM kernels", why);
        return new KernelMatmul(stream, precision, why);
    }

    /** auto, cublas or kernels, from the system property, else the environment. */
    static String choice() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) v = System.getenv(ENV);
        return v == null || v.isBlank() ? "auto" : v.trim().toLowerCase(Locale.ROOT);
    }

    /** The first load failure: later attempts only see "Could not initialize class JCublas2". */
    private static volatile String firstLoadFailure;

    /** A short cause: "libcublas.so.12 not found; this machine has CUDA 13.0" rather than a trace. */
    static String unavailableReason(Throwable e) {
        if (e instanceof NoClassDefFoundError && firstLoadFailure != null) return firstLoadFailure;
        String msg = String.valueOf(e.getMessage());
        String cause;
        if (e instanceof UnsatisfiedLinkError && allMessages(e).contains("libcublas")) {
            cause = "libcublas.so.12 not found";
        } else if (e instanceof UnsatisfiedLinkError) {
            cause = "JCublas natives failed to load: " + firstLine(msg);
        } else {
            cause = e.getClass().getSimpleName() + ": " + firstLine(msg);
        }
        int driver = driverVersion();
        if (driver > 0) {
            cause += "; this machine has CUDA " + driver / 1000 + "." + (driver % 1000) / 10;
        }
        if (e instanceof UnsatisfiedLinkError && firstLoadFailure == null) firstLoadFailure = cause;
        return cause;
    }

    private static String allMessages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 100_000; t = t.getCause()) {
            sb.append(t.getMessage()).append('\n');
            for (Throwable s : t.getSuppressed()) sb.append(s.getMessage()).append('\n');
        }
        return sb.toString();
    }

    private static int driverVersion() {
        try {
            int[] v = new int[1];
            JCudaDriver.cuDriverGetVersion(v);
            return v[0];
        } catch (Throwable t) {
            return -1;
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 160 ? line.substring(0, 160) + "..." : line;
    }
}
