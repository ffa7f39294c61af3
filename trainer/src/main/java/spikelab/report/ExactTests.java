package spikelab.report;

import java.util.Arrays;
import java.util.Comparator;

/** Fisher's exact test on a 2×2 table of counts, and Holm's step-down adjustment for several tests. */
public final class ExactTests {
    private ExactTests() {}

    /**
     * Two-sided Fisher's exact p for the table [[a, b], [c, d]] (rows: the two groups; columns:
     * with and without the event). With the margins fixed, a is hypergeometric:
     *
     * <pre>  P(a) = C(a+b, a) · C(c+d, c) / C(n, a+c)</pre>
     *
     * and p sums P over every table no more probable than the observed one (the usual
     * two-sided rule, as R's fisher.test), with a relative tolerance for rounding ties.
     */
    public static double fisherTwoSided(int a, int b, int c, int d) {
        if (a < 0 || b < 0 || c < 0 || d < 0) throw new IllegalArgumentException("counts must be non-negative");
        int row1 = a + b, row2 = c + d, col1 = a + c, n = row1 + row2;
        int lo = Math.max(0, col1 - row2), hi = Math.min(row1, col1);
        double obs = logHyper(a, row1, row2, col1, n), p = 0;
        for (int x = lo; x <= hi; x++) {
            double lp = logHyper(x, row1, row2, col1, n);
            if (lp <= obs + 1e-7) p += Math.exp(lp);
        }
        return Math.min(1, p);
    }

    /**
     * The smallest two-sided Fisher p over every table with these margins: groups of n1 and n2
     * runs and {@code events} events in all. 1 when no run, or every run, had the event.
     */
    public static double fisherMinP(int n1, int n2, int events) {
        double min = 1;
        int lo = Math.max(0, events - n2), hi = Math.min(n1, events);
        for (int x = lo; x <= hi; x++) min = Math.min(min, fisherTwoSided(x, n1 - x, events - x, n2 - events + x));
        return min;
    }

    private static double logHyper(int x, int row1, int row2, int col1, int n) {
        return logChoose(row1, x) + logChoose(row2, col1 - x) - logChoose(n, col1);
    }

    static double logChoose(int n, int k) {
        return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
    }

    private static double logFactorial(int n) {
        double s = 0;
        for (int i = 2; i <= n; i++) s += Math.log(i);
        return s;
    }

    /**
     * Holm's adjusted p-values, in the input's order: with the m p-values sorted ascending,
     * p_(i) becomes max over j ≤ i of min(1, (m − j + 1) · p_(j)). NaN (untested) stays NaN and
     * does not count towards m.
     */
    public static double[] holm(double[] p) {
        Integer[] idx = new Integer[p.length];
        int m = 0;
        for (int i = 0; i < p.length; i++) {
            idx[i] = i;
            if (!Double.isNaN(p[i])) m++;
        }
        Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> Double.isNaN(p[i]) ? Double.POSITIVE_INFINITY : p[i]));
        double[] out = new double[p.length];
        Arrays.fill(out, Double.NaN);
        double running = 0;
        for (int r = 0; r < m; r++) {
            int i = idx[r];
            running = Math.max(running, Math.min(1, (m - r) * p[i]));
            out[i] = running;
        }
        return out;
    }
}
