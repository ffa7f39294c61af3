package spikelab.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import spikelab.backend.cpu.CpuBackend;
import spikelab.train.Devices;

/** {@code spikelab info}: what this machine offers to spikelab. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show the Java runtime, CPU backend and GPUs available.")
public final class InfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Runtime rt = Runtime.getRuntime();
        System.out.println("java:     " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        System.out.println("os:       " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        System.out.println("cpu:      " + rt.availableProcessors() + " cores, max heap " + (rt.maxMemory() >> 20) + " MiB");
        try (CpuBackend cpu = new CpuBackend(rt.availableProcessors())) {
            System.out.println("backend:  " + cpu.name());
        }
        System.out.println("cuda:     " + Devices.describeCuda());
        return 0;
    }
}
