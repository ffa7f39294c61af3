package spikelab.cli;

import spikelab.run.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import spikelab.report.Report;
import spikelab.report.RunData;
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

    @Option(names = "--lrs", split = ",", paramLabel = "LR",
            description = "report only the runs at these peak learning rates, e.g. --lrs 3e-3,1e-2,3e-2 (default: every run)")
    List<Double> lrs;

    @Option(names = "--seeds", split = ",", paramLabel = "S",
            description = "report only the runs with these seeds, e.g. --seeds 4,5,6 (default: every run)")
    List<Long> seeds;

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
        if (lrs != null) SweepGrid.checkLrs(lrs);
        Report.Result r;
        try {
            r = lrs == null && seeds == null ? Report.generate(dirs, target) : Report.generate(dirs, target, this::wanted, scope());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        } catch (IOException e) {
            throw new UserError("cannot write the report to " + target + " (" + AtomicFiles.describe(e) + "): choose a writable --out");
        }
        if (r.plotsSkipped != null) System.err.println("warning: no plots: " + r.plotsSkipped);
        System.out.println(r.line());
        return 0;
    }

    // lrs as written in configs and on the command line are the same decimal, so parsed alike; the
    // tolerance only forgives a config written with fewer digits
    private boolean wanted(RunData r) {
        boolean lrOk = lrs == null || lrs.stream().anyMatch(lr -> Math.abs(lr - r.lr) <= 1e-9 * Math.abs(lr));
        return lrOk && (seeds == null || seeds.contains(r.seed));
    }

    private String scope() {
        List<String> parts = new ArrayList<>();
        if (lrs != null) {
            List<String> l = new ArrayList<>();
            for (double lr : lrs) l.add(RunData.lrLabel(lr));
            parts.add("lr " + String.join(", ", l));
        }
        if (seeds != null) {
            List<String> l = new ArrayList<>();
            for (long s : seeds) l.add(String.valueOf(s));
            parts.add("seed " + String.join(", ", l));
        }
        return String.join(" and ", parts);
    }
}
