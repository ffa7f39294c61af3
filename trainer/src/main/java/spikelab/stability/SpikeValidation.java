package spikelab.stability;

import java.util.List;

/**
 * How well a spike rule finds spikes of known size and time in a real curve (DESIGN §3,
 * docs/stability.md). A rule's threshold at step t depends only on the values before t, so one
 * pass over the clean curve gives every step's threshold; a spike that multiplies v_t by
 * (1 + s) is then found exactly when v_t·(1 + s) exceeds that threshold — the same answer as
 * re-running the rule on a curve with that one spike injected, at the cost of one pass.
 * Every eligible step of a segment is an injection time; the false-positive rate is the share
 * of the clean curve's eligible steps that the rule flags (the curves are assumed spike-free,
 * so a real spike in them counts against the rule).
 */
public final class SpikeValidation {
    /** A part of a run: steps in (from, to], as fractions of the run's length. */
    public record Segment(String name, double from, double to) {
        boolean contains(int step, int n) { return step > from * n && step <= to * n; }
    }

    public static final List<Segment> SEGMENTS = List.of(new Segment("early", 0, 0.3), new Segment("late", 0.7, 1),
            new Segment("all", 0, 1));

    /** Counts for one rule, one segment, summed over curves. */
    public static final class Tally {
        public int eligible, falsePositives;
        public final int[] detected;

        Tally(int sizes) { detected = new int[sizes]; }

        public double falsePositiveRate() { return eligible == 0 ? Double.NaN : (double) falsePositives / eligible; }
        public double detectionRate(int size) { return eligible == 0 ? Double.NaN : (double) detected[size] / eligible; }

        void add(Tally o) {
            eligible += o.eligible;
            falsePositives += o.falsePositives;
            for (int i = 0; i < detected.length; i++) detected[i] += o.detected[i];
        }
    }

    private SpikeValidation() {}

    /**
     * The threshold a rule sets at each step of a clean curve (index step − 1); NaN where the step
     * is not eligible. {@code minValues} follows the trainer: min(W, steps/2) for a curve of
     * {@code series.length} steps.
     */
    public static double[] thresholds(double[] series, String rule, int window, double k) {
        SpikeDetector d = SpikeDetector.create(rule, window, k, SpikeDetector.minValues(window, series.length));
        double[] thr = new double[series.length];
        for (int i = 0; i < series.length; i++) {
            SpikeDetector.Check c = d.observe(series[i]);
            thr[i] = c.eligible ? c.threshold : Double.NaN;
        }
        return thr;
    }

    /** The tally of one curve in one segment, for multiplicative spikes of the given relative sizes. */
    public static Tally tally(double[] series, double[] thresholds, Segment seg, double[] sizes) {
        Tally t = new Tally(sizes.length);
        int n = series.length;
        for (int i = 0; i < n; i++) {
            double thr = thresholds[i], v = series[i];
            if (Double.isNaN(thr) || !Double.isFinite(v) || !seg.contains(i + 1, n)) continue;
            t.eligible++;
            if (v > thr) t.falsePositives++;
            for (int s = 0; s < sizes.length; s++) if (v * (1 + sizes[s]) > thr) t.detected[s]++;
        }
        return t;
    }

    /** Sum over curves of {@link #tally} for one rule and segment. */
    public static Tally tally(List<double[]> curves, String rule, int window, double k, Segment seg, double[] sizes) {
        Tally sum = new Tally(sizes.length);
        for (double[] c : curves) sum.add(tally(c, thresholds(c, rule, window, k), seg, sizes));
        return sum;
    }

    /**
     * The docs/stability.md table: for each series kind, detector setting and rule, one row per
     * segment with eligible steps, false-positive rate and the detection rate per spike size.
     *
     * @param curves  per series kind (e.g. "loss", "grad_norm"), its curves
     * @param windows with {@code ks}: the (W, k) settings to compare
     */
    public static String markdown(List<String> kinds, List<List<double[]>> curves, int[] windows, double[] ks, double[] sizes) {
        StringBuilder sb = new StringBuilder("| series | W, k | rule | segment | eligible steps | false positives |");
        for (double s : sizes) sb.append(String.format(" +%s%% |", trim(100 * s)));
        sb.append("\n|---|---|---|---|---:|---:|");
        for (int i = 0; i < sizes.length; i++) sb.append("---:|");
        sb.append('\n');
        for (int kind = 0; kind < kinds.size(); kind++) {
            for (int w = 0; w < windows.length; w++) {
                for (String rule : List.of(SpikeDetector.MEANSTD, SpikeDetector.ROBUST)) {
                    for (Segment seg : SEGMENTS) {
                        Tally t = tally(curves.get(kind), rule, windows[w], ks[w], seg, sizes);
                        sb.append("| ").append(kinds.get(kind)).append(" | ").append(windows[w]).append(", ").append(trim(ks[w]))
                          .append(" | ").append(rule).append(" | ").append(seg.name()).append(" | ").append(t.eligible)
                          .append(" | ").append(percent(t.falsePositiveRate())).append(" |");
                        for (int s = 0; s < sizes.length; s++) sb.append(' ').append(percent(t.detectionRate(s))).append(" |");
                        sb.append('\n');
                    }
                }
            }
        }
        return sb.toString();
    }

    static String percent(double r) {
        return Double.isNaN(r) ? "–" : String.format("%.1f%%", 100 * r);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
