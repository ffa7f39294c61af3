package spikelab.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/** Loads the PTX the build compiled from {@code cuda/src/main/cuda/NAME.cu} and packed into the jar. */
public final class Ptx {
    private Ptx() {}

    /** Loads module {@code name} into the current context; a clear error when the build had no nvcc. */
    public static CUmodule load(String name) {
        String resource = "/spikelab/cuda/ptx/" + name + ".ptx";
        byte[] ptx;
        try (InputStream in = Ptx.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("this build has no CUDA kernels (" + resource
                        + " missing): rebuild on a machine with nvcc on the PATH (mvn -B package)");
            }
            ptx = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource + ": " + e.getMessage(), e);
        }
        // cuModuleLoadData wants a NUL-terminated image
        byte[] image = Arrays.copyOf(ptx, ptx.length + 1);
        CUmodule module = new CUmodule();
        JCudaDriver.cuModuleLoadData(module, image);
        return module;
    }

    public static CUfunction function(CUmodule module, String name) {
        CUfunction f = new CUfunction();
        JCudaDriver.cuModuleGetFunction(f, module, name);
        return f;
    }
}
