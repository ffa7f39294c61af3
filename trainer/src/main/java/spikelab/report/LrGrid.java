package spikelab.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Whether each cell's learning-rate grid brackets its best lr. A best lr at the edge of the grid
 * says only that the optimum is there or beyond, so a comparison made "at each activation's best
 * lr" may not be one. For every cell that ran two or more lrs: the best lr (lowest mean clamped
 * final validation loss over all seeds, as in the per-cell table) and, against each grid
 * neighbour, the paired difference by seed
 *
 * <pre>  d_s = c_s(neighbour lr) − c_s(best lr),   c = min(final val loss, val loss at init)</pre>
 *
 * with its mean, bootstrap CI and sign-flip p ({@link PairedStats}). The best lr is picked on the
 * same seeds, which favours it, so these numbers describe the curve's shape; they are not tests.
 */
final class LrGrid {
    private LrGrid() {}

    /** One neighbour of a cell's best lr, and the paired differences against it. */
    static final class Neighbour {
        final double lr;
        final PairedStats stats;

        Neighbour(double lr, PairedStats stats) {
            this.lr = lr;
            this.stats = stats;
        }
    }

    /** One cell's grid: its best lr, where that lies, and its neighbours below and above (null at an edge). */
    static final class Row {
        final Cells.Cell cell;
        final double best;
        final Neighbour lower, higher;

        Row(Cells.Cell cell, double best, Neighbour lower, Neighbour higher) {
            this.cell = cell;
            this.best = best;
            this.lower = lower;
            this.higher = higher;
        }

        /** "inside", or which edge of the grid the best lr is at (the optimum may lie beyond it). */
        String position() {
            if (lower == null) return "lowest of the grid: a lower lr may be better";
            if (higher == null) return "highest of the grid: a higher lr may be better";
            return "inside the grid";
        }
    }

    /** A row for every cell with two or more learning rates, in table order. */
    static List<Row> rows(Cells cells) {
        List<Row> out = new ArrayList<>();
        for (Cells.Cell c : cells.cells) {
            TreeSet<Double> lrs = c.lrs();
            if (lrs.size() < 2) continue;
            double best = c.bestLr();
            Double below = lrs.lower(best), above = lrs.higher(best);
            out.add(new Row(c, best, below == null ? null : neighbour(c, below, best),
                    above == null ? null : neighbour(c, above, best)));
        }
        return out;
    }

    /** Differences neighbour − best over the seeds that ran both; a seed without a finite pair is left out. */
    static Neighbour neighbour(Cells.Cell c, double lr, double best) {
        Map<Long, Double> atBest = new HashMap<>();
        for (RunData r : c.atLr(best)) atBest.put(r.seed, clamped(r));
        List<Double> d = new ArrayList<>();
        for (RunData r : c.atLr(lr)) {
            Double b = atBest.get(r.seed);
            double v = b == null ? Double.NaN : clamped(r) - b;
            if (Double.isFinite(v)) d.add(v);
        }
        double[] a = new double[d.size()];
        for (int i = 0; i < a.length; i++) a[i] = d.get(i);
        return new Neighbour(lr, PairedStats.of(a));
    }

    private static double clamped(RunData r) {
        return new LrSensitivity.Point(r.lr, r.finalValLoss, r.valLossAtInit).clamped();
    }

    /** The report's section; nothing when no cell ran two learning rates. */
    static void section(StringBuilder sb, Cells cells) {
        List<Row> rows = rows(cells);
        if (rows.isEmpty()) return;
        sb.append("## Does the lr grid bracket the best lr?\n\nPer cell: the best lr (lowest mean clamped final validation "
                + "loss over all seeds) and, against each neighbour on the grid, the paired difference by seed of the clamped "
                + "final validation loss, neighbour minus best (mean, 95% bootstrap CI, sign-flip p, pairs). Positive: the "
                + "neighbour is worse. A best lr at the edge of the grid says only that the optimum is there or beyond. "
                + "Descriptive: the best lr is chosen on these same seeds, which favours it, so the p values are not tests "
                + "and enter no claim.\n\n");
        sb.append("| activation | layers | lrs | best lr | where | lower lr: loss − best | higher lr: loss − best |\n");
        sb.append("|---|---:|---|---:|---|---|---|\n");
        for (Row r : rows) {
            List<String> grid = new ArrayList<>();
            for (double lr : r.cell.lrs()) grid.add(RunData.lrLabel(lr));
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s |%n", r.cell.label, r.cell.layers,
                    String.join(", ", grid), RunData.lrLabel(r.best), r.position(), text(r.lower), text(r.higher)));
        }
        sb.append('\n');
    }

    private static String text(Neighbour n) {
        if (n == null) return "—";
        PairedStats s = n.stats;
        if (s.n == 0) return RunData.lrLabel(n.lr) + ": no seed ran both";
        return String.format(Locale.ROOT, "%s: %+.4f [%+.4f, %+.4f], p %s, %d pairs", RunData.lrLabel(n.lr), s.mean, s.ciLow,
                s.ciHigh, s.p < 1e-4 ? String.format(Locale.ROOT, "%.1e", s.p) : String.format(Locale.ROOT, "%.4f", s.p), s.n);
    }
}
