package spikelab.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

import spikelab.model.Activation;

/**
 * Runs grouped the way the study reads them: one cell per activation × depth, each holding its
 * runs at every learning rate and seed. Activations are ordered as in {@link Activation},
 * depths ascending. When the runs mix settings (a pre-LN and a post-LN sweep reported together,
 * qk-norm on and off, a stress arm with other steps and clipping), the settings that differ
 * become the cell's arm and part of its label ("swiglu post-LN", "gelu d256, qk-norm")
 * instead of being averaged together.
 */
public final class Cells {
    /** One activation × depth. */
    public static final class Cell {
        /**
         * The FFN activation, what the tables and legends call this variant of it, and the arm:
         * the settings that vary between the reported runs, without the activation ("" when
         * nothing varies).
         */
        public final String activation, label, arm;
        public final int layers;
        public final RunSettings settings;
        public final List<RunData> runs = new ArrayList<>();

        Cell(String activation, String label, String arm, int layers, RunSettings settings) {
            this.activation = activation;
            this.label = label;
            this.arm = arm;
            this.layers = layers;
            this.settings = settings;
        }

        public Stats stat(ToDoubleFunction<RunData> f) { return stat(runs, f); }

        /**
         * As {@link #stat(ToDoubleFunction)} over the runs that did not diverge: a diverged run's
         * dead units and attention logits describe the blow-up, not the activation.
         */
        public Stats finishedStat(ToDoubleFunction<RunData> f) {
            List<RunData> ok = new ArrayList<>();
            for (RunData r : runs) if (!r.diverged) ok.add(r);
            return stat(ok, f);
        }

        static Stats stat(List<RunData> runs, ToDoubleFunction<RunData> f) {
            double[] v = new double[runs.size()];
            for (int i = 0; i < v.length; i++) v[i] = f.applyAsDouble(runs.get(i));
            return Stats.of(v);
        }

        public TreeSet<Double> lrs() {
            TreeSet<Double> s = new TreeSet<>();
            for (RunData r : runs) s.add(r.lr);
            return s;
        }

        public List<RunData> atLr(double lr) {
            List<RunData> out = new ArrayList<>();
            for (RunData r : runs) if (r.lr == lr) out.add(r);
            return out;
        }

        public List<LrSensitivity.Point> points() {
            List<LrSensitivity.Point> p = new ArrayList<>();
            for (RunData r : runs) p.add(new LrSensitivity.Point(r.lr, r.finalValLoss, r.valLossAtInit));
            return p;
        }

        /** The learning rate with the lowest mean clamped final validation loss. */
        public double bestLr() {
            double best = Double.NaN, bestLoss = Double.POSITIVE_INFINITY;
            for (Map.Entry<Double, Double> e : LrSensitivity.clampedLossByLr(points()).entrySet()) {
                if (e.getValue() < bestLoss || Double.isNaN(best)) {
                    best = e.getKey();
                    bestLoss = e.getValue();
                }
            }
            return best;
        }

        public double lrSensitivity() { return LrSensitivity.of(points()); }

        public double divergedFraction(List<RunData> of) {
            int d = 0;
            for (RunData r : of) if (r.diverged) d++;
            return of.isEmpty() ? Double.NaN : (double) d / of.size();
        }
    }

    public final List<Cell> cells;

    public Cells(List<RunData> runs) {
        // a setting that differs between runs (LN placement, width, qk-norm, z-loss, steps, warm-up,
        // clipping, corpus, batch, heads, ...) splits them into arms, so that arms are never averaged together
        Set<String> varying = new LinkedHashSet<>();
        for (RunData r : runs) {
            for (Map.Entry<String, String> e : r.settings.fields().entrySet()) {
                if (!e.getValue().equals(runs.get(0).settings.fields().get(e.getKey()))) varying.add(e.getKey());
            }
        }
        Map<String, Cell> byKey = new LinkedHashMap<>();
        for (RunData r : runs) {
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, String> e : r.settings.fields().entrySet()) if (varying.contains(e.getKey())) parts.add(e.getValue());
            String arm = String.join(", ", parts);
            String label = r.activation + (arm.isEmpty() ? "" : " " + arm);
            byKey.computeIfAbsent(label + "\u0000" + r.layers, k -> new Cell(r.activation, label, arm, r.layers, r.settings)).runs.add(r);
        }
        List<Cell> list = new ArrayList<>(byKey.values());
        list.sort(Comparator.comparingInt((Cell c) -> activationOrder(c.activation)).thenComparing(c -> c.label)
                .thenComparingInt(c -> c.layers));
        for (Cell c : list) c.runs.sort(Comparator.comparingDouble((RunData r) -> r.lr).thenComparingLong(r -> r.seed));
        cells = List.copyOf(list);
    }

    /**
     * The runs with each experiment once, and the repeats left out. Two runs are one experiment
     * when activation, depth, lr, seed and every setting agree: the same cell of two
     * sweep directories (arms that share runs, a sweep copied and reported with its original).
     * Counting both would double a seed in the tables and pair it twice in the claims.
     */
    public static Distinct distinct(List<RunData> runs) {
        Map<String, RunData> seen = new LinkedHashMap<>();
        List<RunData> kept = new ArrayList<>();
        List<RunData[]> repeats = new ArrayList<>();
        for (RunData r : runs) {
            String key = r.activation + "\u0000" + r.layers + "\u0000" + r.lr + "\u0000" + r.seed + "\u0000"
                    + r.settings.fields();
            RunData earlier = seen.putIfAbsent(key, r);
            if (earlier == null) kept.add(r);
            else repeats.add(new RunData[] {earlier, r});
        }
        return new Distinct(kept, repeats);
    }

    /** {@link #distinct}'s answer: the runs kept, in input order, and each repeat beside the run it repeats. */
    public static final class Distinct {
        public final List<RunData> kept;
        /** {kept run, repeat left out}. */
        public final List<RunData[]> repeats;

        Distinct(List<RunData> kept, List<RunData[]> repeats) {
            this.kept = List.copyOf(kept);
            this.repeats = List.copyOf(repeats);
        }
    }

    /** The cell labels (activations, or activation variants), in table order. */
    public List<String> labels() {
        List<String> a = new ArrayList<>();
        for (Cell c : cells) if (!a.contains(c.label)) a.add(c.label);
        return a;
    }

    public TreeSet<Integer> depths() {
        TreeSet<Integer> d = new TreeSet<>();
        for (Cell c : cells) d.add(c.layers);
        return d;
    }

    public Cell get(String label, int layers) {
        for (Cell c : cells) if (c.label.equals(label) && c.layers == layers) return c;
        return null;
    }

    /** Whether any cell ran more than one learning rate. */
    public boolean lrSweep() {
        for (Cell c : cells) if (c.lrs().size() > 1) return true;
        return false;
    }

    static int activationOrder(String name) {
        try {
            return Activation.parse(name).ordinal();
        } catch (IllegalArgumentException e) {
            return Integer.MAX_VALUE;   // unknown names sort last, alphabetically
        }
    }
}
