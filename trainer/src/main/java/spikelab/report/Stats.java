package spikelab.report;

import java.util.Locale;

/** Mean ± sample standard deviation of the finite values of a sample, and their formatting. */
public final class Stats {
    public final int n, nonFinite;
    public final double mean, std;

    private Stats(int n, int nonFinite, double mean, double std) {
        this.n = n;
        this.nonFinite = nonFinite;
        this.mean = mean;
        this.std = std;
    }

    /** Non-finite values are counted but left out; std is NaN for fewer than two values. */
    public static Stats of(double... values) {
        int n = 0, bad = 0;
        double s = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                n++;
                s += v;
            } else {
                bad++;
            }
        }
        double mean = n == 0 ? Double.NaN : s / n, ss = 0;
        for (double v : values) if (Double.isFinite(v)) ss += (v - mean) * (v - mean);
        return new Stats(n, bad, mean, n < 2 ? Double.NaN : Math.sqrt(ss / (n - 1)));
    }

    /** "m ± s" with the given decimals, "m" for one value, "—" for none; "(k non-finite)" appended. */
    public String format(int decimals) {
        String f = "%." + decimals + "f";
        String t = n == 0 ? "—" : Double.isNaN(std) ? String.format(Locale.ROOT, f, mean)
                : String.format(Locale.ROOT, f + " ± " + f, mean, std);
        return nonFinite == 0 ? t : t + " (" + nonFinite + " non-finite)";
    }
}
