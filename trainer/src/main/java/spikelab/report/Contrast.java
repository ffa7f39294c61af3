package spikelab.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongPredicate;

import spikelab.run.Json;

/**
 * A signed sum of sweep cells, seed by seed: c(s) = Σ (+1 or −1) · metric(cell, s), and the paired
 * statistics of c over the seeds every cell has a finished run of.
 *
 * <p>Why a contrast rather than one more report row: the questions a study asks after its
 * planned tests ("ReGLU's lead at 8 layers minus at 16", "ReGLU at 1e-3 against itself at 3e-3 on
 * the same seeds") pair cells across sweeps, token budgets and lrs that no fixed report row does.
 * A cell is a sweep directory and a run name without its seed, e.g. {@code glu-tokens/reglu-L8-lr1e-3}
 * for the runs {@code glu-tokens/runs/reglu-L8-s13-lr1e-3}, {@code …-s14-…}.
 */
public final class Contrast {
    /** One term: its sign, where its runs live, the cell's name, and metric by seed. */
    public record Term(int sign, Path dir, String cell, TreeMap<Long, Double> bySeed) {
        /** +sweep/cell, or +report/summary.csv/cell for a cell read from a report's summary.csv. */
        public String label() {
            Path parent = dir.getFileName();
            String where = parent == null ? "" : parent + "/";
            if (Files.isRegularFile(dir) && dir.getParent() != null && dir.getParent().getFileName() != null) {
                where = dir.getParent().getFileName() + "/" + where;
            }
            return (sign > 0 ? "+" : "-") + where + cell;
        }
    }

    /** A seed left out, and why. */
    public record Omission(long seed, String why) {}

    public final String metric;
    public final List<Term> terms;
    /** Seeds every term has, ascending, and the contrast at each. */
    public final long[] seeds;
    public final double[] values;
    public final List<Omission> omitted;
    public final PairedStats stats;

    private Contrast(String metric, List<Term> terms, long[] seeds, double[] values, List<Omission> omitted) {
        this.metric = metric;
        this.terms = List.copyOf(terms);
        this.seeds = seeds;
        this.values = values;
        this.omitted = List.copyOf(omitted);
        this.stats = PairedStats.of(values);
    }

    /**
     * The contrast of the cells plus[i] (sign +1) and minus[i] (sign −1), each given as
     * DIR/CELL, on the seeds {@code seedWanted} accepts. Errors (no such cell, a metric the runs do
     * not have) are IllegalArgumentExceptions whose message names the fix.
     */
    public static Contrast of(List<Path> plus, List<Path> minus, String metric, LongPredicate seedWanted) {
        List<Term> terms = new ArrayList<>();
        for (Path p : plus) terms.add(load(+1, p, metric, seedWanted));
        for (Path p : minus) terms.add(load(-1, p, metric, seedWanted));
        if (terms.isEmpty()) throw new IllegalArgumentException("a contrast needs at least one cell: give --plus DIR/CELL (and --minus DIR/CELL)");

        Set<Long> all = new TreeSet<>();
        for (Term t : terms) all.addAll(t.bySeed.keySet());
        List<Long> kept = new ArrayList<>();
        List<Omission> omitted = new ArrayList<>();
        for (long s : all) {
            List<String> missing = new ArrayList<>(), nonFinite = new ArrayList<>();
            for (Term t : terms) {
                Double v = t.bySeed.get(s);
                if (v == null) missing.add(t.cell);
                else if (!Double.isFinite(v)) nonFinite.add(t.cell);
            }
            if (!missing.isEmpty()) omitted.add(new Omission(s, "no finished run of " + String.join(", ", missing)));
            else if (!nonFinite.isEmpty()) omitted.add(new Omission(s, metric + " is not finite in " + String.join(", ", nonFinite)));
            else kept.add(s);
        }
        long[] seeds = new long[kept.size()];
        double[] values = new double[kept.size()];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = kept.get(i);
            double c = 0;
            for (Term t : terms) c += t.sign * t.bySeed.get(seeds[i]);
            values[i] = c;
        }
        return new Contrast(metric, terms, seeds, values, omitted);
    }

    /**
     * metric by seed over the finished runs of one cell (a run that diverged counts as finished),
     * read from run directories or from a report's summary.csv: the committed reports let anyone
     * recompute a contrast without the runs.
     */
    private static Term load(int sign, Path spec, String metric, LongPredicate seedWanted) {
        Path dir = spec.getParent(), name = spec.getFileName();
        if (dir == null || name == null) {
            throw new IllegalArgumentException("'" + spec + "' names no cell: write DIR/CELL, e.g. runs/sweep/relu-L8-lr1e-3");
        }
        String cell = name.toString();
        boolean csv = Files.isRegularFile(dir) && dir.toString().endsWith(".csv");
        if (!csv && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a directory: give DIR/CELL with DIR a sweep directory or a report's summary.csv");
        }
        Set<String> cells = new TreeSet<>();
        TreeMap<Long, Double> bySeed = new TreeMap<>();
        TreeMap<Long, String> sourceOf = new TreeMap<>();
        Path where = csv ? dir : Files.isDirectory(dir.resolve("runs")) ? dir.resolve("runs") : dir;
        for (Row r : csv ? csvRows(dir, metric) : dirRows(dir, metric)) {
            String cellOf = cellName(r.name);
            if (cellOf == null) continue;
            cells.add(cellOf);
            if (!cellOf.equals(cell) || !seedWanted.test(r.seed) || !r.finished) continue;
            String before = sourceOf.put(r.seed, r.source);
            if (before != null) {
                throw new IllegalArgumentException(dir + " holds two runs of " + cell + " seed " + r.seed + " (" + before + " and " + r.source
                        + "): give their sweep directory instead");
            }
            bySeed.put(r.seed, r.value.getAsDouble());
        }
        if (!cells.contains(cell)) {
            throw new IllegalArgumentException("no runs of cell '" + cell + "' in " + where
                    + (cells.isEmpty() ? " (it holds no runs)" : ": its cells are " + String.join(", ", cells)));
        }
        return new Term(sign, dir, cell, bySeed);
    }

    /** One run as a source lists it; value is read only for the runs of the wanted cell. */
    private record Row(String name, long seed, boolean finished, java.util.function.DoubleSupplier value, String source) {}

    private static List<Row> dirRows(Path dir, String metric) {
        List<Row> rows = new ArrayList<>();
        for (RunData r : RunData.find(List.of(dir))) {
            rows.add(new Row(r.dir.getFileName().toString(), r.seed, r.finished(), () -> value(r, metric), r.dir.toString()));
        }
        return rows;
    }

    private static List<Row> csvRows(Path file, String metric) {
        List<java.util.Map<String, String>> table;
        try {
            table = SummaryCsv.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + " (" + e.getMessage() + ")", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " is not a readable CSV (" + e.getMessage() + "): give a summary.csv written by spikelab report", e);
        }
        if (table.isEmpty()) return List.of();
        for (String col : List.of("name", "seed", "steps_planned", "steps_completed", "diverged")) {
            if (!table.get(0).containsKey(col)) throw new IllegalArgumentException(file + " has no column '" + col + "': give a summary.csv written by spikelab report");
        }
        if (!table.get(0).containsKey(metric)) {
            throw new IllegalArgumentException("--metric " + metric + " is not a column of " + file + ": choose one of " + numericColumns(table.get(0)));
        }
        List<Row> rows = new ArrayList<>();
        for (java.util.Map<String, String> r : table) {
            boolean finished = "true".equals(r.get("diverged")) || r.get("steps_completed").equals(r.get("steps_planned"));
            String source = r.getOrDefault("dir", "").isEmpty() ? file + " row " + r.get("name") : r.get("dir");
            long seed;
            try {
                seed = Long.parseLong(r.get("seed"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": run " + r.get("name") + " has seed '" + r.get("seed") + "', not a whole number: give a summary.csv written by spikelab report");
            }
            rows.add(new Row(r.get("name"), seed, finished, () -> csvNumber(r.get(metric), metric, file), source));
        }
        return rows;
    }

    private static String numericColumns(java.util.Map<String, String> row) {
        List<String> numeric = new ArrayList<>();
        for (var e : row.entrySet()) {
            try {
                Json.toDouble(new com.google.gson.JsonPrimitive(e.getValue()));
                numeric.add(e.getKey());
            } catch (NumberFormatException notANumber) {
                // text, such as the device's name
            }
        }
        Collections.sort(numeric);
        return String.join(", ", numeric);
    }

    // an empty cell is a field the run did not record: NaN, so the seed is left out and said so
    private static double csvNumber(String v, String metric, Path file) {
        if (v == null || v.isEmpty()) return Double.NaN;
        try {
            return Json.toDouble(new com.google.gson.JsonPrimitive(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--metric " + metric + " is not a number in " + file + " (it is \"" + v + "\")");
        }
    }

    /** A run's name without its seed part: reglu-L8-s13-lr1e-3 → reglu-L8-lr1e-3; null when it has none. */
    public static String cellName(String runName) {
        String[] parts = runName.split("-");
        List<String> kept = new ArrayList<>();
        boolean seen = false;
        for (String p : parts) {
            if (!seen && p.matches("s\\d+")) {
                seen = true;
                continue;
            }
            kept.add(p);
        }
        return seen ? String.join("-", kept) : null;
    }

    private static double value(RunData r, String metric) {
        Double v = r.summaryNumber(metric);
        if (v == null) v = r.curveMetric(metric);
        if (v != null) return v;
        List<String> choices = new ArrayList<>(r.numericSummaryKeys());
        choices.addAll(RunData.CURVE_METRICS);
        throw new IllegalArgumentException("--metric " + metric + (r.summaryHas(metric) ? " is not a number in " : " is not in ")
                + r.dir.resolve("summary.json") + ": choose one of " + String.join(", ", choices));
    }

    /** The per-seed table and the statistics, as Markdown, for a terminal or a notes file. */
    public String markdown() {
        StringBuilder b = new StringBuilder();
        List<String> labels = new ArrayList<>();
        for (Term t : terms) labels.add(t.label());
        b.append("contrast of ").append(metric).append(": ").append(String.join(" ", labels)).append("\n\n");
        b.append("| seed |");
        for (Term t : terms) b.append(' ').append(t.label()).append(" |");
        b.append(" contrast |\n|---:|");
        for (int i = 0; i < terms.size(); i++) b.append("---:|");
        b.append("---:|\n");
        for (int i = 0; i < seeds.length; i++) {
            b.append("| ").append(seeds[i]).append(" |");
            for (Term t : terms) b.append(' ').append(f4(t.bySeed.get(seeds[i]))).append(" |");
            b.append(' ').append(signed(values[i])).append(" |\n");
        }
        b.append('\n');
        for (Omission o : omitted) b.append("seed ").append(o.seed).append(" left out: ").append(o.why).append('\n');
        b.append(summaryLine()).append('\n');
        return b.toString();
    }

    /** n, mean, SD, 95% CI, p and the sign count in one line. */
    public String summaryLine() {
        int n = stats.n;
        if (n == 0) return "no seed has a finished run of every cell: nothing to compare";
        int below = 0, above = 0;
        for (double v : values) {
            if (v < 0) below++;
            else if (v > 0) above++;
        }
        String tail = String.format(Locale.ROOT, "below 0 in %d of %d seeds, above in %d", below, n, above);
        if (n < 2) return String.format(Locale.ROOT, "n 1 seed: contrast %s (a CI and a p need at least two seeds); %s", signed(stats.mean), tail);
        return String.format(Locale.ROOT, "n %d seeds: mean %s, SD %.4f, 95%% CI [%s, %s] (percentile bootstrap), sign-flip p %s; %s",
                n, signed(stats.mean), stats.sd, signed(stats.ciLow), signed(stats.ciHigh), p(stats.p), tail);
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String signed(double v) {
        return String.format(Locale.ROOT, "%+.4f", v);
    }

    // as report.md writes p values, so the two read alike
    private static String p(double p) {
        return p < 1e-4 ? String.format(Locale.ROOT, "%.1e", p) : String.format(Locale.ROOT, "%.4f", p);
    }
}
