package spikelab.report;

import static spikelab.report.Claims.clamped;
import static spikelab.report.Claims.run;
import static spikelab.report.Claims.seedPoints;
import static spikelab.report.Claims.seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Claim 1's per-seed difference (GLU − plain, each at its lr, min(loss, loss at init) per run)
 * for several (GLU, plain) cell pairs at once, on the seeds all their cells share. Where some
 * cell ran several lrs, each cell's lr is its best on the lowest shared seed, which is left out,
 * so no difference is measured on the seed that chose its lrs.
 */
final class LossGaps {
    /** Per cell pair, in input order: seed → GLU − plain. */
    final List<Map<Long, Double>> bySeed = new ArrayList<>();
    final boolean chose;

    private LossGaps(boolean chose) { this.chose = chose; }

    /** null when the cells share no seed. */
    static LossGaps of(List<Cells.Cell[]> cellPairs) {
        TreeSet<Long> seeds = seeds(cellPairs.get(0)[0]);
        boolean choose = false;
        for (Cells.Cell[] pc : cellPairs) {
            for (Cells.Cell c : pc) {
                seeds.retainAll(seeds(c));
                choose |= c.lrs().size() > 1;
            }
        }
        if (seeds.isEmpty()) return null;
        long sel = seeds.first();
        if (choose) seeds.remove(sel);
        LossGaps g = new LossGaps(choose);
        for (Cells.Cell[] pc : cellPairs) {
            double lrA = lrOf(pc[0], choose, sel), lrB = lrOf(pc[1], choose, sel);
            Map<Long, Double> m = new TreeMap<>();
            for (long s : seeds) {
                RunData ra = run(pc[0], lrA, s), rb = run(pc[1], lrB, s);
                double v = ra == null || rb == null ? Double.NaN : clamped(ra) - clamped(rb);
                if (Double.isFinite(v)) m.put(s, v);
            }
            g.bySeed.add(m);
        }
        return g;
    }

    String pairing() {
        return chose ? "seed; each cell's lr chosen on the lowest shared seed, which is left out" : "seed; one lr per cell";
    }

    /** The cell's lr for claims 1, 9 and 10: its best on the held-out seed when some cell ran several, else its only one. */
    static double lrOf(Cells.Cell c, boolean choose, long heldOut) {
        return choose ? bestLrOn(c, heldOut) : c.lrs().first();
    }

    private static double bestLrOn(Cells.Cell c, long seed) {
        double best = Double.NaN, bestLoss = Double.POSITIVE_INFINITY;
        for (Map.Entry<Double, Double> e : LrSensitivity.clampedLossByLr(seedPoints(c, seed, null)).entrySet()) {
            if (e.getValue() < bestLoss || Double.isNaN(best)) {
                best = e.getKey();
                bestLoss = e.getValue();
            }
        }
        return best;
    }
}
