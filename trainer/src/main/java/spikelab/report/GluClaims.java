package spikelab.report;

import static spikelab.report.Claims.clamped;
import static spikelab.report.Claims.common;
import static spikelab.report.Claims.paired;
import static spikelab.report.Claims.run;
import static spikelab.report.Claims.seedPoints;
import static spikelab.report.Claims.seedSensitivity;
import static spikelab.report.Claims.seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;

import spikelab.report.Claims.Claim;
import spikelab.report.Claims.Comparison;

/**
 * The claims that compare each GLU with its plain partner (reglu/relu, geglu/gelu, swiglu/gelu)
 * within an arm: claim 1 on the loss at each one's best lr, claim 6 on the LR sensitivity over
 * the lrs both ran, claims 7 and 8 on how that LR-sensitivity gap changes from the shallowest
 * depth to the deepest and with qk-norm, claim 9 on how claim 1's loss gap changes with depth.
 */
final class GluClaims {
    static final String[][] PAIRS = {{"reglu", "relu"}, {"geglu", "gelu"}, {"swiglu", "gelu"}};

    private GluClaims() {}

    // ---- claim 1: GLU variants reach lower loss than their plain counterparts ---------------

    static Claim lowerLoss(Map<String, Map<String, Map<Integer, Cells.Cell>>> arms) {
        List<Comparison> out = new ArrayList<>();
        eachPair(arms, (what, arm, a, b) -> lossComparison(what, arm, a, b, out));
        return new Claim(1, "GLU variants reach a lower loss than their plain counterparts at matched parameters "
                + "(reglu vs relu, geglu vs gelu, swiglu vs gelu)", "Effect: final validation loss of the GLU minus the "
                + "plain activation, each at its own best lr, min(loss, loss at init) per run. Where a cell ran several "
                + "learning rates, its lr is chosen on the lowest seed the two cells share and that seed is left out of "
                + "the comparison; the remaining seeds are paired by seed and depth. The parameter ratio is at the "
                + "deepest depth.", out);
    }

    private static void lossComparison(String what, String arm, Map<Integer, Cells.Cell> a, Map<Integer, Cells.Cell> b,
                                       List<Comparison> out) {
        List<Double> d = new ArrayList<>();
        boolean chose = false;
        int deepest = -1;
        for (int depth : common(a, b)) {
            Cells.Cell ca = a.get(depth), cb = b.get(depth);
            deepest = depth;
            TreeSet<Long> seeds = seeds(ca);
            seeds.retainAll(seeds(cb));
            if (seeds.isEmpty()) continue;
            boolean choose = ca.lrs().size() > 1 || cb.lrs().size() > 1;
            long sel = seeds.first();
            double lrA = LossGaps.lrOf(ca, choose, sel), lrB = LossGaps.lrOf(cb, choose, sel);
            chose |= choose;
            for (long s : seeds) {
                if (choose && s == sel) continue;
                RunData ra = run(ca, lrA, s), rb = run(cb, lrB, s);
                if (ra == null || rb == null) continue;
                double v = clamped(ra) - clamped(rb);
                if (Double.isFinite(v)) d.add(v);
            }
        }
        String params = "";
        if (deepest > 0) {
            double pa = a.get(deepest).runs.get(0).parameterCount, pb = b.get(deepest).runs.get(0).parameterCount;
            if (pa > 0 && pb > 0) params = String.format(Locale.ROOT, " (parameters %+.1f%%)", 100 * (pa / pb - 1));
        }
        out.add(paired(what + params, arm, chose ? "(seed, depth); lr chosen on the lowest shared seed, which is left out"
                : "(seed, depth); one lr", d, "%+.4f"));
    }

    // ---- claim 6: GLU variants are drop-ins at the plain FFN's learning rates ------------------

    static Claim dropIn(Map<String, Map<String, Map<Integer, Cells.Cell>>> arms) {
        List<Comparison> out = new ArrayList<>();
        eachPair(arms, (what, arm, a, b) -> sensitivityComparison(what, arm, a, b, out));
        return new Claim(6, "GLU variants are drop-in replacements at the plain FFN's learning rates: no more sensitive to "
                + "the lr (reglu vs relu, geglu vs gelu, swiglu vs gelu)", "Shazeer 2020 trains every variant with one "
                + "recipe. Effect: LR sensitivity of the GLU minus that of the plain activation, each computed per seed over "
                + "the learning rates both cells ran (at least two), paired by seed and depth; negative: the GLU is less "
                + "sensitive.", out);
    }

    // per seed, LR sensitivity of a minus b over the lrs both ran (an lr curve needs two)
    private static void sensitivityComparison(String what, String arm, Map<Integer, Cells.Cell> a,
                                              Map<Integer, Cells.Cell> b, List<Comparison> out) {
        List<Double> d = new ArrayList<>();
        for (int depth : common(a, b)) {
            Cells.Cell ca = a.get(depth), cb = b.get(depth);
            TreeSet<Double> lrs = new TreeSet<>(ca.lrs());
            lrs.retainAll(cb.lrs());
            if (lrs.size() < 2) continue;
            TreeSet<Long> seeds = seeds(ca);
            seeds.retainAll(seeds(cb));
            for (long s : seeds) {
                double v = seedSensitivity(ca, s, lrs) - seedSensitivity(cb, s, lrs);
                if (Double.isFinite(v)) d.add(v);
            }
        }
        if (!d.isEmpty()) out.add(paired(what + ": LR sensitivity", arm, "(seed, depth); the lrs both cells ran", d, "%+.4f"));
    }

    // ---- claim 7: depth widens the GLU's lr-range penalty ------------------------------------

    static Claim depthWidens(Map<String, Map<String, Map<Integer, Cells.Cell>>> arms) {
        List<Comparison> out = new ArrayList<>();
        eachPair(arms, (what, arm, a, b) -> depthComparison(what, arm, a, b, out));
        return new Claim(7, "Depth widens the GLU variants' lr-range penalty: their excess LR sensitivity over the plain "
                + "FFN grows from the shallowest depth to the deepest (reglu vs relu, geglu vs gelu, swiglu vs gelu)",
                "The study's question (does the FFN's effect on stability change as models get deeper?) asked of claim 6's "
                + "measure. Per seed, the excess is the GLU's LR sensitivity minus the plain activation's, over the learning "
                + "rates all four cells ran (GLU and plain at both depths, at least two); the effect is the excess at the "
                + "shallowest depth both ran minus the excess at the deepest, paired by seed; negative: the excess grew with "
                + "depth. With three depths or more, each step between neighbouring depths is a row of its own, and every "
                + "row uses the lrs all depths ran, so the steps add up to the whole.", out);
    }

    // per seed, (sens a − sens b at the shallowest depth) − (the same at the deepest), over the lrs all four ran;
    // with three depths or more also each step between neighbours, so a trend is tested, not only its ends
    private static void depthComparison(String what, String arm, Map<Integer, Cells.Cell> a, Map<Integer, Cells.Cell> b,
                                        List<Comparison> out) {
        List<Integer> depths = new ArrayList<>(common(a, b));
        if (depths.size() < 2) return;
        // one lr grid for every row, the lrs each depth ran, so the steps add up to the whole
        TreeSet<Double> lrs = new TreeSet<>(a.get(depths.get(0)).lrs());
        for (int depth : depths) {
            lrs.retainAll(a.get(depth).lrs());
            lrs.retainAll(b.get(depth).lrs());
        }
        String cellsRan = "seed; the lrs all " + (depths.size() == 2 ? "four" : String.valueOf(2 * depths.size())) + " cells ran";
        eachDepthStep(depths, (shallow, deep) -> depthStep(what, arm, a, b, shallow, deep, lrs, cellsRan, out));
    }

    private static void depthStep(String what, String arm, Map<Integer, Cells.Cell> a, Map<Integer, Cells.Cell> b,
                                  int shallow, int deep, TreeSet<Double> lrs, String cellsRan, List<Comparison> out) {
        List<Double> d = excessDifference(a.get(shallow), b.get(shallow), a.get(deep), b.get(deep), lrs);
        if (!d.isEmpty()) {
            out.add(paired(String.format(Locale.ROOT, "%s: LR-sensitivity excess, %d − %d layers", what, shallow, deep),
                    arm, cellsRan, d, "%+.4f"));
        }
    }

    // ---- claim 8: qk-norm removes the GLU variants' lr-range penalty ---------------------------

    /** @param qkPartners activation → its (qk-norm, none) cell pairs that differ only in qk-norm */
    static Claim qkNormRemovesPenalty(Map<String, List<Cells.Cell[]>> qkPartners) {
        List<Comparison> out = new ArrayList<>();
        for (String[] pr : PAIRS) {
            List<Double> d = new ArrayList<>();
            for (Cells.Cell[] g : qkPartners.getOrDefault(pr[0], List.of())) {
                for (Cells.Cell[] p : qkPartners.getOrDefault(pr[1], List.of())) {
                    if (g[0].layers == p[0].layers && g[0].settings.fields().equals(p[0].settings.fields())) {
                        d.addAll(excessDifference(g[0], p[0], g[1], p[1]));
                    }
                }
            }
            if (!d.isEmpty()) {
                out.add(paired(pr[0] + " − " + pr[1] + ": LR-sensitivity excess, qk-norm − none", "",
                        "(seed, depth, arm); the lrs all four cells ran", d, "%+.4f"));
            }
        }
        return new Claim(8, "qk-norm removes the GLU variants' lr-range penalty: with it their excess LR sensitivity over the "
                + "plain FFN shrinks (reglu vs relu, geglu vs gelu, swiglu vs gelu)", "Where the GLUs' narrower lr range comes "
                + "with larger attention logits (claim 6), this asks whether it is the attention-logit instability that "
                + "qk-norm removes. Per seed, the excess is the GLU's LR sensitivity minus the plain activation's, over the "
                + "learning rates all four cells ran (GLU and plain, with and without qk-norm, at least two); the effect is "
                + "the excess with qk-norm minus the excess without, paired by seed within each depth and arm whose cells "
                + "differ only in qk-norm; negative: qk-norm shrinks the excess.", out);
    }

    // ---- claim 9: depth shrinks the GLU variants' loss advantage -------------------------------

    static Claim depthShrinksAdvantage(Map<String, Map<String, Map<Integer, Cells.Cell>>> arms) {
        List<Comparison> out = new ArrayList<>();
        eachPair(arms, (what, arm, a, b) -> advantageByDepth(what, arm, a, b, out));
        return new Claim(9, "Depth shrinks the GLU variants' loss advantage: the GLU's final loss minus the plain FFN's "
                + "grows from the shallowest depth to the deepest (reglu vs relu, geglu vs gelu, swiglu vs gelu)",
                "This study's own hypothesis, not the papers': found after the fact in main-lr16 (2026-12-06), where ReGLU's "
                + "lead over ReLU at 8 layers was gone at 16, and tested since on new seeds and on the other pair. Per seed, "
                + "the difference is claim 1's (GLU minus plain, each at its own lr, min(loss, loss at init) per run); the "
                + "effect is that difference at the shallowest depth both ran minus at the deepest, paired by seed; negative: "
                + "the GLU's lead shrank (or its deficit grew) with depth. Where a cell ran several learning rates, each "
                + "cell's lr is chosen on the lowest seed all the pair's cells share, and that seed is left out. With three "
                + "depths or more, each step between neighbouring depths is a row of its own, on the same seeds and lrs, so "
                + "the steps add up to the whole.", out);
    }

    // per depth, per seed: GLU − plain at each cell's lr; then shallowest − deepest (and each step)
    private static void advantageByDepth(String what, String arm, Map<Integer, Cells.Cell> a, Map<Integer, Cells.Cell> b,
                                         List<Comparison> out) {
        List<Integer> depths = new ArrayList<>(common(a, b));
        if (depths.size() < 2) return;
        List<Cells.Cell[]> cellPairs = new ArrayList<>();
        for (int depth : depths) cellPairs.add(new Cells.Cell[] {a.get(depth), b.get(depth)});
        LossGaps g = LossGaps.of(cellPairs);
        if (g == null) return;
        Map<Integer, Map<Long, Double>> gap = new TreeMap<>();
        for (int i = 0; i < depths.size(); i++) gap.put(depths.get(i), g.bySeed.get(i));
        eachDepthStep(depths, (shallow, deep) -> gapStep(what, arm, shallow, deep, gap, g.pairing(), out));
    }

    private static void gapStep(String what, String arm, int shallow, int deep, Map<Integer, Map<Long, Double>> gap,
                                String pairing, List<Comparison> out) {
        List<Double> d = new ArrayList<>();
        for (Map.Entry<Long, Double> e : gap.get(shallow).entrySet()) {
            Double atDeep = gap.get(deep).get(e.getKey());
            if (atDeep != null) d.add(e.getValue() - atDeep);
        }
        if (!d.isEmpty()) {
            out.add(paired(String.format(Locale.ROOT, "%s: loss difference, %d − %d layers", what, shallow, deep),
                    arm, pairing, d, "%+.4f"));
        }
    }

    /**
     * Per seed, (sens a1 − sens b1) − (sens a2 − sens b2): how much the first condition's excess of
     * a over b differs from the second's, each LR sensitivity over the lrs all four cells ran. A
     * seed that misses one of those lrs in some cell is left out (its curves would span other
     * grids); none when fewer than two lrs are shared.
     */
    private static List<Double> excessDifference(Cells.Cell a1, Cells.Cell b1, Cells.Cell a2, Cells.Cell b2) {
        return excessDifference(a1, b1, a2, b2, a1.lrs());
    }

    /** The same over the lrs in {@code within} that all four cells ran. */
    private static List<Double> excessDifference(Cells.Cell a1, Cells.Cell b1, Cells.Cell a2, Cells.Cell b2,
                                                 Set<Double> within) {
        List<Cells.Cell> four = List.of(a1, b1, a2, b2);
        TreeSet<Double> lrs = new TreeSet<>(within);
        TreeSet<Long> seeds = seeds(a1);
        for (Cells.Cell c : four) {
            lrs.retainAll(c.lrs());
            seeds.retainAll(seeds(c));
        }
        List<Double> d = new ArrayList<>();
        if (lrs.size() < 2) return d;
        for (long s : seeds) {
            double[] sens = new double[4];
            boolean complete = true;
            for (int i = 0; i < 4; i++) {
                complete &= LrSensitivity.clampedLossByLr(seedPoints(four.get(i), s, lrs)).size() == lrs.size();
                sens[i] = seedSensitivity(four.get(i), s, lrs);
            }
            double v = (sens[0] - sens[1]) - (sens[2] - sens[3]);
            if (complete && Double.isFinite(v)) d.add(v);
        }
        return d;
    }

    /** Shallowest to deepest, then, with three depths or more, each step between neighbours (a trend, not only its ends). */
    private static void eachDepthStep(List<Integer> depths, BiConsumer<Integer, Integer> step) {
        step.accept(depths.get(0), depths.get(depths.size() - 1));
        for (int i = 0; depths.size() > 2 && i + 1 < depths.size(); i++) step.accept(depths.get(i), depths.get(i + 1));
    }

    /** What to compare for one GLU and its plain partner in one arm: depth → cell of each. */
    private interface PairAction {
        void accept(String what, String arm, Map<Integer, Cells.Cell> glu, Map<Integer, Cells.Cell> plain);
    }

    private static void eachPair(Map<String, Map<String, Map<Integer, Cells.Cell>>> arms, PairAction action) {
        for (Map.Entry<String, Map<String, Map<Integer, Cells.Cell>>> arm : arms.entrySet()) {
            for (String[] pr : PAIRS) {
                Map<Integer, Cells.Cell> a = arm.getValue().get(pr[0]), b = arm.getValue().get(pr[1]);
                if (a != null && b != null) action.accept(pr[0] + " − " + pr[1], arm.getKey(), a, b);
            }
        }
    }
}
