package spikelab.cli;

import spikelab.run.UserError;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import spikelab.backend.cpu.CpuBackend;
import spikelab.train.Devices;

/** {@code spikelab info}: what this machine offers to spikelab. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show the Java runtime, CPU backend and GPUs available.")
public final class InfoCommand implements Callable<Integer> {
    @Option(paramLabel = "N", names = "--threads", description = "show what --threads N would use")
    Integer threads;

    @Override
    public Integer call() {
        Runtime rt = Runtime.getRuntime();
        System.out.println("java:     " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        System.out.println("os:       " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        System.out.println("cpu:      " + rt.availableProcessors() + " cores, max heap " + (rt.maxMemory() >> 20) + " MiB");
        if (threads != null && threads < 1) throw new UserError("--threads must be at least 1, got " + threads);
        int use = threads == null ? rt.availableProcessors() : Devices.cpuThreads(threads, false);
        System.out.println("threads:  " + use + (threads != null && threads > use
                ? " (--threads " + threads + " is capped at the core count)" : threads == null ? " (all cores; --threads N to use fewer)" : ""));
        try (CpuBackend cpu = new CpuBackend(use)) {
            System.out.println("backend:  " + cpu.name());
        }
        System.out.println("cuda:     " + Devices.describeCuda());
        return 0;
    }
}
