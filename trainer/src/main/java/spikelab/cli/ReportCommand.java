package spikelab.cli;

import spikelab.run.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import spikelab.report.Report;
import spikelab.run.AtomicFiles;

/** {@code spikelab report DIR…}: merges run directories into summary.csv, report.md and plots/. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Merge run directories into summary.csv, report.md and plots/ (PNG and SVG).")
public final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "DIR",
            description = "run directories, sweep directories (their runs/ are read), or directories holding runs")
    List<Path> dirs;

    @Option(names = "--out", paramLabel = "DIR",
            description = "where to write the report (default: the DIR given, when there is one)")
    Path out;

    @Override
    public Integer call() {
        Path target = out;
        if (target == null) {
            if (dirs.size() != 1) throw new UserError("report on " + dirs.size() + " directories needs --out DIR to say where the report goes");
            target = dirs.get(0);
        }
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new UserError("--out " + target + " is a file, not a directory: choose another --out");
        }
        Report.Result r;
        try {
            r = Report.generate(dirs, target);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        } catch (IOException e) {
            throw new UserError("cannot write the report to " + target + " (" + AtomicFiles.describe(e) + "): choose a writable --out");
        }
        if (r.plotsSkipped != null) System.err.println("warning: no plots: " + r.plotsSkipped);
        System.out.println(r.line());
        return 0;
    }
}
