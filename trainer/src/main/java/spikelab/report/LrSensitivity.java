package spikelab.report;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * LR sensitivity of one sweep cell (Wortsman et al. 2023, DESIGN §3):
 *
 * <pre>  S = E_lr[ min(L(lr), L0) − min_lr' min(L(lr'), L0) ]</pre>
 *
 * where L(lr) is the final validation loss at peak learning rate lr and L0 the validation loss
 * at initialisation. Clamping at L0 counts a diverged run (NaN, ∞, or worse than at the start)
 * as "learned nothing" rather than letting it dominate the average. With several seeds, each
 * run is clamped at its own L0 and L(lr) is the mean over seeds of the clamped losses.
 */
public final class LrSensitivity {
    private LrSensitivity() {}

    /** One run: peak lr, final validation loss, validation loss at init. */
    public static final class Point {
        final double lr, finalValLoss, initValLoss;

        public Point(double lr, double finalValLoss, double initValLoss) {
            this.lr = lr;
            this.finalValLoss = finalValLoss;
            this.initValLoss = initValLoss;
        }

        /** min(L, L0), with a non-finite L counted as L0. */
        double clamped() {
            if (!Double.isFinite(initValLoss)) return finalValLoss;   // no L0 measured: nothing to clamp at
            return Double.isFinite(finalValLoss) ? Math.min(finalValLoss, initValLoss) : initValLoss;
        }
    }

    /** L(lr) per learning rate, ascending: the mean over seeds of the clamped final loss. */
    public static TreeMap<Double, Double> clampedLossByLr(List<Point> runs) {
        TreeMap<Double, double[]> acc = new TreeMap<>();
        for (Point p : runs) {
            double[] a = acc.computeIfAbsent(p.lr, k -> new double[2]);
            a[0] += p.clamped();
            a[1]++;
        }
        TreeMap<Double, Double> out = new TreeMap<>();
        for (Map.Entry<Double, double[]> e : acc.entrySet()) out.put(e.getKey(), e.getValue()[0] / e.getValue()[1]);
        return out;
    }

    /** S for the cell; NaN when fewer than two learning rates were run (nothing to compare). */
    public static double of(List<Point> runs) {
        TreeMap<Double, Double> byLr = clampedLossByLr(runs);
        if (byLr.size() < 2) return Double.NaN;
        double sum = 0, min = Double.POSITIVE_INFINITY;
        for (double l : byLr.values()) {
            sum += l;
            min = Math.min(min, l);
        }
        return sum / byLr.size() - min;
    }
}
