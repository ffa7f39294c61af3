package spikelab.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import spikelab.report.Contrast;
import spikelab.run.AtomicFiles;
import spikelab.run.UserError;

/**
 * {@code spikelab compare}: a paired contrast of sweep cells over seeds, with the same statistics
 * as report.md (mean, SD, percentile-bootstrap 95% CI, sign-flip p), for the comparisons a study
 * makes after its planned tests.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare sweep cells seed by seed: a paired contrast, its 95%% CI and sign-flip p.",
                "Per seed, the sum of the --plus cells minus the sum of the --minus cells; then its mean, SD,",
                "bootstrap CI and p over the seeds every cell has a finished run of. A cell is DIR/CELL: a sweep",
                "directory and a run name without its seed, e.g.",
                "  spikelab compare --plus runs/sw/reglu-L8-lr1e-3 --minus runs/sw/relu-L8-lr1e-3"})
public final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--plus", paramLabel = "DIR/CELL", description = "a cell counted with sign + (repeatable)")
    List<Path> plus = new ArrayList<>();

    @Option(names = "--minus", paramLabel = "DIR/CELL", description = "a cell counted with sign - (repeatable)")
    List<Path> minus = new ArrayList<>();

    @Option(names = "--metric", paramLabel = "KEY", description = "a number in each run's summary.json, or one computed from its metrics.jsonl: max_abs_logz, "
            + "final_abs_logz (mean |log Z| over the last 100 steps) (default: ${DEFAULT-VALUE})")
    String metric = "final_val_loss";

    @Option(names = "--seeds", split = ",", paramLabel = "S", description = "only these seeds, e.g. --seeds 13,14,15 (default: every seed)")
    List<Long> seeds;

    @Option(names = "--csv", paramLabel = "FILE", description = "also write the per-seed values to FILE (seed, each cell, contrast)")
    Path csv;

    @Override
    public Integer call() {
        if (plus.isEmpty() && minus.isEmpty()) throw new UserError("compare needs cells: give --plus DIR/CELL and --minus DIR/CELL");
        Contrast c;
        try {
            c = Contrast.of(plus, minus, metric, s -> seeds == null || seeds.contains(s));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (csv != null) writeCsv(c);
        spec.commandLine().getOut().print(c.markdown());
        spec.commandLine().getOut().flush();
        return 0;
    }

    private void writeCsv(Contrast c) {
        StringBuilder b = new StringBuilder("seed");
        for (Contrast.Term t : c.terms) b.append(',').append(t.label());
        b.append(",contrast\n");
        for (int i = 0; i < c.seeds.length; i++) {
            b.append(c.seeds[i]);
            for (Contrast.Term t : c.terms) b.append(',').append(t.bySeed().get(c.seeds[i]));
            b.append(',').append(c.values[i]).append('\n');
        }
        try {
            AtomicFiles.writeString(csv, b.toString());
        } catch (IOException e) {
            throw new UserError("cannot write " + csv + " (" + AtomicFiles.describe(e) + "): choose a writable --csv path");
        }
    }
}
