package spikelab.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.Set;

import spikelab.run.AtomicFiles;

/**
 * Merges run directories into summary.csv, report.md and plots/ (DESIGN §4) in one output
 * directory. Runs that did not finish are kept in the CSV but listed as such in the report.
 */
public final class Report {
    /** What was written, for the command to print. */
    public static final class Result {
        /** Runs reported (each experiment once), those that did not finish, and the repeats left out. */
        public final int runs, unfinished, repeats;
        public final Path csv, markdown;
        public final List<String> plots;

        /** Why no plots were drawn, or null when they were. */
        public final String plotsSkipped;

        Result(int runs, int unfinished, int repeats, Path csv, Path markdown, List<String> plots, String plotsSkipped) {
            this.runs = runs;
            this.unfinished = unfinished;
            this.repeats = repeats;
            this.csv = csv;
            this.markdown = markdown;
            this.plots = plots;
            this.plotsSkipped = plotsSkipped;
        }

        /** The line the commands print: "report: 12 runs (1 unfinished) -> report.md, summary.csv, 9 plots in plots". */
        public String line() {
            List<String> notes = new ArrayList<>();
            if (unfinished > 0) notes.add(unfinished + " unfinished");
            if (repeats > 0) notes.add(repeats + (repeats == 1 ? " repeat" : " repeats") + " of other runs left out");
            return String.format(Locale.ROOT, "report: %d runs%s -> %s, %s, %d plots in %s", runs,
                    notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")", markdown, csv, plots.size(),
                    markdown.resolveSibling("plots"));
        }
    }

    /** Draws the figures into a directory and returns their base names (a seam for tests). */
    interface PlotWriter {
        List<String> write(Cells cells, Path dir) throws IOException;
    }

    private Report() {}

    /** Reads the runs under inputs and writes the report into out. */
    public static Result generate(List<Path> inputs, Path out) throws IOException {
        return write(RunData.find(inputs), out);
    }

    /**
     * Reads the runs under inputs, keeps those {@code keep} accepts and writes the report on them
     * into out; {@code scope} says which those are ("lr 3e-3, 1e-2"), for the report's first
     * lines, so a report of part of the runs says so.
     */
    public static Result generate(List<Path> inputs, Path out, Predicate<RunData> keep, String scope) throws IOException {
        List<RunData> found = RunData.find(inputs), kept = new ArrayList<>();
        for (RunData r : found) if (keep.test(r)) kept.add(r);
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("none of the " + found.size() + " runs found has " + scope
                    + ": see summary.csv of a report without the filter for the lrs and seeds there are");
        }
        String note = String.format(Locale.ROOT, "Restricted to the runs with %s: %d of the %d found.", scope, kept.size(), found.size());
        return write(kept, out, Plots::write, note);
    }

    public static Result write(List<RunData> runs, Path out) throws IOException {
        return write(runs, out, Plots::write);
    }

    static Result write(List<RunData> all, Path out, PlotWriter plotter) throws IOException {
        return write(all, out, plotter, null);
    }

    private static Result write(List<RunData> all, Path out, PlotWriter plotter, String scope) throws IOException {
        if (all.isEmpty()) throw new IllegalArgumentException("no runs to report on");
        Cells.Distinct distinct = Cells.distinct(all);
        List<RunData> runs = distinct.kept;
        Cells cells = new Cells(runs);
        Path csv = out.resolve("summary.csv"), md = out.resolve("report.md");
        Files.createDirectories(out.resolve("plots"));
        AtomicFiles.write(csv, SummaryCsv.render(runs).getBytes(StandardCharsets.UTF_8));
        List<String> plots = List.of();
        String skipped = null;
        try {
            plots = plotter.write(cells, out.resolve("plots"));
        } catch (Error e) {
            // A bare GPU node or a minimal JRE often lacks the native font libraries that drawing
            // text needs, or (a jlink'd runtime) the java.desktop module; the numbers matter more
            // than the pictures, so the tables are still written. AWTError is matched by name:
            // naming its class here would stop this class loading on a runtime without AWT.
            boolean awt = e.getClass().getName().equals("java.awt.AWTError");
            if (!(e instanceof LinkageError || e instanceof InternalError || awt)) throw e;
            boolean noDesktop = e instanceof NoClassDefFoundError && String.valueOf(e.getMessage()).startsWith("java/awt");
            skipped = noDesktop
                    ? "this Java runtime has no java.desktop module (a jlink'd runtime?); run 'spikelab report " + out
                            + "' with a full JDK or JRE"
                    : "this Java cannot draw charts (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                            + "); install fonts and libfreetype/libharfbuzz, or run 'spikelab report " + out + "' on another machine";
        }
        AtomicFiles.write(md, markdown(runs, cells, plots, skipped, distinct.repeats, scope).getBytes(StandardCharsets.UTF_8));
        int unfinished = 0;
        for (RunData r : runs) if (!r.finished()) unfinished++;
        return new Result(runs.size(), unfinished, distinct.repeats.size(), csv, md, plots, skipped);
    }

    static String markdown(List<RunData> runs, Cells cells, List<String> plots, String plotsSkipped) {
        return markdown(runs, cells, plots, plotsSkipped, List.of());
    }

    static String markdown(List<RunData> runs, Cells cells, List<String> plots, String plotsSkipped, List<RunData[]> repeats) {
        return markdown(runs, cells, plots, plotsSkipped, repeats, null);
    }

    /** @param scope which of the runs found the report keeps, when not all ({@link #generate(List, Path, Predicate, String)}) */
    private static String markdown(List<RunData> runs, Cells cells, List<String> plots, String plotsSkipped,
                                   List<RunData[]> repeats, String scope) {
        StringBuilder sb = new StringBuilder("# Activation × depth stability report\n\n");
        if (scope != null) sb.append(scope).append("\n\n");
        Set<String> devices = new LinkedHashSet<>(), widths = new LinkedHashSet<>(), norms = new LinkedHashSet<>(),
                steps = new LinkedHashSet<>();
        for (RunData r : runs) {
            devices.add(r.device);
            widths.add(String.valueOf(r.dModel));
            norms.add(r.norm);
            steps.add(String.valueOf(r.stepsPlanned));
        }
        sb.append(String.format(Locale.ROOT, "%d runs; d_model %s; %s-LN; %s steps; device %s.%n%n", runs.size(),
                String.join("/", widths), String.join("/", norms), String.join("/", steps), String.join(", ", devices)));
        repeats(sb, repeats);
        List<String> unfinished = new ArrayList<>();
        for (RunData r : runs) {
            if (!r.finished()) unfinished.add(String.format(Locale.ROOT, "`%s` (%d/%d steps)", r.name, r.stepsCompleted, r.stepsPlanned));
        }
        if (!unfinished.isEmpty()) {
            sb.append("**Unfinished runs** (included below as they stand; rerun the sweep to complete them): ")
                    .append(String.join(", ", unfinished)).append(".\n\n");
        }

        int blind = 0;
        for (RunData r : runs) if (r.lossSpikeEligible == 0) blind++;
        if (blind > 0) {
            sb.append(String.format(Locale.ROOT, "**Note:** %d of %d runs were shorter than the spike window W, so no step "
                    + "was eligible and their spike scores are 0 by construction; use more steps or a smaller --spike-window.%n%n",
                    blind, runs.size()));
        }

        List<Claims.Claim> claims = Claims.evaluate(cells);
        claims(sb, claims);
        SampleSize.section(sb, claims);

        sb.append("## Per activation × depth\n\n");
        sb.append("Final validation loss is at the cell's best peak learning rate (mean ± std over seeds; the lr is chosen "
                + "on all of them, so this column is descriptive; the claims above choose it on held-out seeds). "
                + LR_SENSITIVITY + " "
                + "The spike, explosion and divergence columns are mean ± std over all the cell's runs (every lr and "
                + "seed); a spike score is the fraction of eligible steps (those after the first W) that spiked. Dead "
                + "fraction, max attention logit and FFN outlier ratio are over the runs that did not diverge, since a "
                + "diverged run's values describe the blow-up rather than the activation. The FFN outlier ratio is the "
                + "largest max |a| / RMS(a) of a layer's FFN output on the probe batch (a = the activation's output, the "
                + "gated product for GLUs; max and RMS over all probe tokens and units) over the run's probes and layers: "
                + "1 when every value is equally large; \"—\" for runs from before it was recorded.\n\n");
        sb.append("| activation | layers | runs | best lr | final val loss | LR sensitivity | loss spike score | "
                + "grad spike score | explosions | diverged | dead fraction | max attn logit | FFN outlier ratio |\n");
        sb.append("|---|---:|---:|---:|---|---:|---|---|---|---:|---|---|---|\n");
        for (Cells.Cell c : cells.cells) {
            double best = c.bestLr();
            List<RunData> atBest = c.atLr(best);
            double sens = c.lrSensitivity();
            List<RunData> withRatio = new ArrayList<>();
            for (RunData r : c.runs) if (r.hasOutlierRatio && !r.diverged) withRatio.add(r);
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    c.label, c.layers, c.runs.size(), RunData.lrLabel(best),
                    Cells.Cell.stat(atBest, r -> r.finalValLoss).format(4),
                    Double.isNaN(sens) ? "—" : String.format(Locale.ROOT, "%.4f", sens),
                    c.stat(r -> r.lossSpikeScore).format(4), c.stat(r -> r.gradSpikeScore).format(4),
                    c.stat(r -> r.explosions).format(1), percent(c.divergedFraction(c.runs)),
                    c.finishedStat(r -> r.deadFraction).format(3), c.finishedStat(r -> r.maxAttnLogit).format(2),
                    Cells.Cell.stat(withRatio, r -> r.maxFfnOutlierRatio).format(1)));
        }
        sb.append('\n');

        outcomes(sb, cells);

        if (cells.lrSweep()) {
            sb.append("## Per activation × depth × learning rate\n\nMean ± std over seeds.\n\n");
            sb.append("| activation | layers | lr | seeds | final val loss | loss spike score | grad spike score | "
                    + "explosions | diverged | dead fraction | max attn logit |\n");
            sb.append("|---|---:|---:|---:|---|---|---|---|---:|---|---|\n");
            for (Cells.Cell c : cells.cells) {
                for (double lr : c.lrs()) {
                    List<RunData> rs = c.atLr(lr);
                    sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %d | %s | %s | %s | %s | %s | %s | %s |%n",
                            c.label, c.layers, RunData.lrLabel(lr), rs.size(),
                            Cells.Cell.stat(rs, r -> r.finalValLoss).format(4),
                            Cells.Cell.stat(rs, r -> r.lossSpikeScore).format(4),
                            Cells.Cell.stat(rs, r -> r.gradSpikeScore).format(4),
                            Cells.Cell.stat(rs, r -> r.explosions).format(1), percent(c.divergedFraction(rs)),
                            Cells.Cell.stat(rs, r -> r.deadFraction).format(3),
                            Cells.Cell.stat(rs, r -> r.maxAttnLogit).format(2)));
                }
            }
            sb.append('\n');
            LrGrid.section(sb, cells);
        }

        if (plotsSkipped != null) sb.append("## Plots\n\nNot drawn: ").append(plotsSkipped).append(".\n");
        if (!plots.isEmpty()) {
            sb.append("## Plots\n\nEach figure is in plots/ as PNG and SVG.\n\n");
            for (String p : plots) sb.append("![").append(p).append("](plots/").append(p).append(".png)\n\n");
        }
        return sb.toString();
    }

    /**
     * How each cell's runs ended (summary.json's outcome; "—" for runs from before outcomes were
     * recorded) and how many had at least one loss or gradient spike: the incidences the claims test.
     */
    private static void outcomes(StringBuilder sb, Cells cells) {
        sb.append("## Outcomes\n\nRuns per outcome (ok, diverged, stalled, interrupted; runs written before outcomes "
                + "were recorded count as unknown), runs with at least one loss spike or gradient spike, and the fraction of "
                + "FFN units that died at some probe and were alive at a later one (mean over runs where any unit died).\n\n");
        sb.append("| activation | layers | runs | ok | diverged | stalled | interrupted | unknown | with loss spikes | "
                + "with grad spikes | dead units recovered |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Cells.Cell c : cells.cells) {
            int ok = 0, div = 0, stall = 0, intr = 0, unknown = 0, loss = 0, grad = 0;
            for (RunData r : c.runs) {
                if (r.outcome == null) unknown++;
                else switch (r.outcome) {
                    case "ok": ok++; break;
                    case "diverged": div++; break;
                    case "stalled": stall++; break;
                    case "interrupted": intr++; break;
                    default: unknown++;
                }
                if (r.lossSpikeScore > 0) loss++;
                if (r.gradSpikeScore > 0) grad++;
            }
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s |%n", c.label, c.layers,
                    c.runs.size(), ok, div, stall, intr, unknown, loss, grad, recovered(c.stat(r -> r.deadRecoveredFraction))));
        }
        sb.append('\n');
    }

    /** NaN marks a run in which no unit died (nothing to recover), not a broken number. */
    private static String recovered(Stats s) {
        if (s.n == 0) return "no unit died";
        String v = Double.isNaN(s.std) ? String.format(Locale.ROOT, "%.3f", s.mean)
                : String.format(Locale.ROOT, "%.3f ± %.3f", s.mean, s.std);
        return s.nonFinite == 0 ? v : v + " (" + s.n + " of " + (s.n + s.nonFinite) + " runs had dead units)";
    }

    /** The LR sensitivity as {@link LrSensitivity} computes it, diverged-run convention included. */
    static final String LR_SENSITIVITY = "LR sensitivity (Wortsman et al. 2023): per run, c = min(final val loss, val loss at "
            + "init), where a diverged run's non-finite final loss counts as the loss at init (a run without a finite loss at "
            + "init enters unclamped); L(lr) is the mean of c over the seeds at that lr; the sensitivity is the mean of L over "
            + "the lr grid minus the minimum of L over the grid. 0 means every lr reached the best loss; it needs at least two "
            + "learning rates.";

    /**
     * The runs left out as repeats, and how well they agree with the runs kept: a free check that
     * a rerun reproduces (bit-identical with the same code; within a trajectory's chaos otherwise).
     */
    private static void repeats(StringBuilder sb, List<RunData[]> repeats) {
        if (repeats.isEmpty()) return;
        int same = 0, nonFinite = 0;
        double worst = 0;
        List<String> shown = new ArrayList<>();
        for (RunData[] p : repeats) {
            double d = Math.abs(p[0].finalValLoss - p[1].finalValLoss);
            if (Double.compare(p[0].finalValLoss, p[1].finalValLoss) == 0) same++;
            else if (Double.isFinite(d)) worst = Math.max(worst, d);
            else nonFinite++;
            if (shown.size() < 3) shown.add("`" + p[1].dir + "` (as `" + p[0].dir + "`)");
        }
        sb.append(String.format(Locale.ROOT, "**Repeated runs:** %d runs repeat the activation, depth, lr, seed and settings "
                + "of a run listed before them and are left out of every table, figure, claim and summary.csv row, so that "
                + "no seed counts twice: %s%s. Their final validation loss equals the kept run's to the bit in %d of %d",
                repeats.size(), String.join(", ", shown), repeats.size() > shown.size() ? " and " + (repeats.size() - shown.size())
                        + " more" : "", same, repeats.size()));
        if (same + nonFinite < repeats.size()) {
            sb.append(String.format(Locale.ROOT, "; the largest difference is %.4f (other code, or another device)", worst));
        }
        if (nonFinite > 0) sb.append(String.format(Locale.ROOT, "; in %d, one of the two is non-finite", nonFinite));
        sb.append(".\n\n");
    }

    private static void claims(StringBuilder sb, List<Claims.Claim> claims) {
        int m = 0;
        for (Claims.Claim c : claims) m += c.comparisons.size();
        sb.append("## Claims\n\nThe claims as this study frames Shazeer 2020 (GLU variants in the FFN), Wortsman et al. "
                + "2023 (small-scale proxies for large-scale training instabilities) and Fishman et al. 2024 (GLU outliers in "
                + "low precision), and two hypotheses of this study's own (claims 9 and 10), each tested on the arms present here. ");
        int family = Claims.holmFamily(claims);
        sb.append(String.format(Locale.ROOT, "%n%n%d comparisons in all. %d of them could reach p < %s with data of their size; "
                + "their p is also given Holm-adjusted over those %d. The other %d could not (no run in either group had the "
                + "event, or too few pairs: a sign-flip test on n pairs cannot go below 2/2ⁿ), so they can never be "
                + "significant and are shown with Holm p \"—\" (Tarone 1990). ", m, family, Claims.ALPHA, family, m - family));
        sb.append(String.format(Locale.ROOT, "Paired comparisons: mean difference, percentile-bootstrap 95%% CI (%d resamples) and a two-sided "
                + "sign-flip permutation p (exact up to %d pairs, else %d random flips), all with fixed seeds. Incidences: "
                + "Fisher's exact test, two-sided. ", PairedStats.RESAMPLES, PairedStats.EXACT_UP_TO, PairedStats.RESAMPLES));
        sb.append(Claims.RULE).append("\n\n");
        for (Claims.Claim c : claims) {
            sb.append(String.format(Locale.ROOT, "### Claim %d: %s%n%n**Verdict: %s.**", c.id, c.title, c.verdict));
            if (c.comparisons.isEmpty()) {
                sb.append(" The runs lack the arms this claim needs.\n\n");
                continue;
            }
            sb.append(' ').append(c.notes).append("\n\n");
            sb.append("| comparison | arm | test | pairs / runs | effect | 95% CI | p | Holm p | verdict |\n");
            sb.append("|---|---|---|---:|---|---|---:|---:|---|\n");
            for (Claims.Comparison x : c.comparisons) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s, %s | %d | %s | %s | %s | %s | %s |%n", x.what,
                        x.arm.isEmpty() ? "—" : x.arm, x.test, x.pairing, x.n, x.effectText, x.ciText, pValue(x.p),
                        pValue(x.adjusted), x.verdict));
            }
            sb.append('\n');
        }
    }

    private static String pValue(double p) {
        return Double.isNaN(p) ? "—" : p < 1e-4 ? String.format(Locale.ROOT, "%.1e", p) : String.format(Locale.ROOT, "%.4f", p);
    }

    private static String percent(double f) {
        return Double.isNaN(f) ? "—" : String.format(Locale.ROOT, "%.0f%%", 100 * f);
    }
}
