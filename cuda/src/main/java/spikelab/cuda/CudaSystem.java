package spikelab.cuda;

import static jcuda.driver.JCudaDriver.cuCtxGetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import spikelab.cuda.matmul.Matmul;
import spikelab.cuda.matmul.Matmuls;

/** Whether CUDA can be used here and what it consists of; for --device auto and spikelab info. */
final class CudaSystem {
    private CudaSystem() {}

    private static Optional<String> cached;

    /** Initialises the driver (once); empty when the backend can start, else one line why not. */
    static synchronized Optional<String> unavailableReason() {
        if (cached == null) cached = probe();
        return cached;
    }

    private static Optional<String> probe() {
        for (String m : Kernels.MODULES) {
            if (CudaSystem.class.getResource("/spikelab/cuda/ptx/" + m + ".ptx") == null) {
                return Optional.of("this build has no CUDA kernels (" + m + ".ptx missing; nvcc was not found when it"
                        + " was built): rebuild with nvcc on the PATH, or use --device cpu");
            }
        }
        try {
            NativeLoadLock.around(() -> {
                JCudaDriver.setExceptionsEnabled(true);
                return null;
            });
            cuInit(0);
            int[] count = new int[1];
            cuDeviceGetCount(count);
            if (count[0] == 0) return Optional.of("no NVIDIA GPU found (the driver reports 0 devices): use --device cpu");
            return Optional.empty();
        } catch (UnsatisfiedLinkError e) {
            return Optional.of("no NVIDIA GPU/driver found (libcuda.so.1 could not be loaded): use --device cpu");
        } catch (CudaException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("CUDA_ERROR_NO_DEVICE")) {
                return Optional.of("no NVIDIA GPU found (CUDA_ERROR_NO_DEVICE): use --device cpu");
            }
            return Optional.of("the CUDA driver failed to start (" + firstLine(msg) + "): use --device cpu");
        } catch (LinkageError e) {
            return Optional.of("the JCuda natives could not be loaded (" + firstLine(String.valueOf(e.getMessage()))
                    + "): use --device cpu");
        }
    }

    /** GPUs the driver sees (call after {@link #unavailableReason()} found it usable). */
    static int deviceCount() {
        int[] count = new int[1];
        cuDeviceGetCount(count);
        return count[0];
    }

    static String describe() {
        Optional<String> why = unavailableReason();
        if (why.isPresent()) return "unavailable: " + why.get();
        StringBuilder sb = new StringBuilder();
        int[] v = new int[1];
        cuDriverGetVersion(v);
        sb.append(String.format(Locale.ROOT, "NVIDIA driver %s, supports CUDA %d.%d; JCuda %s (driver API)",
                nvidiaDriverVersion(), v[0] / 1000, (v[0] % 1000) / 10, "12.6.0"));
        int[] count = new int[1];
        cuDeviceGetCount(count);
        for (int i = 0; i < count[0]; i++) {
            CUdevice d = new CUdevice();
            cuDeviceGet(d, i);
            long[] mem = new long[1];
            cuDeviceTotalMem(mem, d);
            sb.append(String.format(Locale.ROOT, "%n  GPU %d: %s, %.1f GiB, compute capability %d.%d", i, deviceName(d),
                    mem[0] / (double) (1L << 30), attribute(d, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                    attribute(d, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)));
        }
        sb.append("\n  matrix products: ").append(matmulPath());
        return sb.toString();
    }

    /** Free memory of GPU 0 in bytes (its primary context held just long enough to ask); -1 when unavailable. */
    static long freeMemoryBytes() {
        if (unavailableReason().isPresent()) return -1;
        try {
            return onDevice0(() -> {
                long[] free = new long[1], total = new long[1];
                cuMemGetInfo(free, total);
                return free[0];
            });
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * Runs {@code question} with GPU 0's primary context current, retained just for it, then
     * makes the calling thread's previous context current again: a CudaBackend on this thread
     * (perhaps of another GPU) only re-sets its context when another thread calls in.
     */
    private static <T> T onDevice0(java.util.function.Supplier<T> question) {
        CUdevice d = new CUdevice();
        CUcontext ctx = new CUcontext(), previous = new CUcontext();
        cuDeviceGet(d, 0);
        cuCtxGetCurrent(previous);
        cuDevicePrimaryCtxRetain(ctx, d);
        try {
            cuCtxSetCurrent(ctx);
            return question.get();
        } finally {
            cuCtxSetCurrent(previous);
            cuDevicePrimaryCtxRelease(d);
        }
    }

    /** Opens device 0 just long enough to see which matmul implementation loads. */
    private static String matmulPath() {
        try {
            return onDevice0(() -> {
                CUstream s = new CUstream();
                cuStreamCreate(s, 0);
                try (Matmul m = Matmuls.create(s, spikelab.backend.Precision.FP32)) {
                    return m.describe() + (m.usesCublas() ? "" : " (cuBLAS 12 not loadable here)") + "; --precision tf32|bf16 use tensor cores";
                } finally {
                    cuStreamDestroy(s);
                }
            });
        } catch (RuntimeException e) {
            return "unavailable (" + firstLine(String.valueOf(e.getMessage())) + ")";
        }
    }

    static String deviceName(CUdevice d) {
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, d);
        int n = 0;
        while (n < name.length && name[n] != 0) n++;
        return new String(name, 0, n, StandardCharsets.US_ASCII);
    }

    static int attribute(CUdevice d, int attr) {
        int[] v = new int[1];
        cuDeviceGetAttribute(v, attr, d);
        return v[0];
    }

    private static String nvidiaDriverVersion() {
        try {
            String s = Files.readString(Path.of("/proc/driver/nvidia/version"), StandardCharsets.US_ASCII);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Kernel Module\\s+(?:for \\S+\\s+)?([0-9.]+)").matcher(s);
            if (m.find()) return m.group(1);
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux or not readable: the CUDA version below still identifies the driver
        }
        return "(version unknown)";
    }

    static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 160 ? line.substring(0, 160) + "..." : line;
    }
}
