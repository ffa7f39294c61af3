package spikelab.stability;

/**
 * DESIGN §3 dead FFN units, one criterion for every activation: unit j of a layer is dead when
 * |a_ij| < 1e-3 · RMS_i(a) on every probe token i, RMS_i being taken over the layer's units for
 * that token. Relative to the layer's own scale, so ReLU's exact zeros, GELU's tiny negative
 * tails and a GLU's near-zero products face the same bar, whatever the layer's magnitude.
 */
public final class DeadUnits {
    public static final double RELATIVE_BAR = 1e-3;

    private DeadUnits() {}

    /**
     * Per unit, max over tokens of |a_ij| / RMS_i(a), for a row-major [rows, h] activation
     * matrix (one row per probe token). A token whose activations are all zero gives no sign
     * of life to any unit (ratio 0); a non-finite value poisons its token's RMS and so makes
     * every unit's peak NaN: a broken layer has no dead units, it has a divergence.
     */
    public static double[] peakRatios(float[] acts, int rows, int h) {
        if ((long) rows * h != acts.length) {
            throw new IllegalArgumentException("activation matrix has " + acts.length + " values, expected rows " + rows + " x h " + h);
        }
        double[] peak = new double[h];
        for (int i = 0; i < rows; i++) {
            int o = i * h;
            double ss = 0;
            for (int j = 0; j < h; j++) ss += (double) acts[o + j] * acts[o + j];
            double rms = Math.sqrt(ss / h);
            if (rms == 0) continue;
            for (int j = 0; j < h; j++) {
                double r = Math.abs(acts[o + j]) / rms;   // NaN when the row holds a non-finite value
                if (!(r <= peak[j])) peak[j] = Double.isNaN(peak[j]) ? peak[j] : r;
            }
        }
        return peak;
    }

    /**
     * The layer's FFN outlier ratio on a row-major [rows, h] activation matrix: max |a_ij| over
     * all its tokens and units divided by the RMS of all of them. 1 when every value is equally
     * large, √(rows·h) when a single value carries everything; NaN when any value is non-finite,
     * 0 for an all-zero matrix. Scale-free, so it compares activations and precisions whatever
     * their magnitudes: the quantity behind the outlier argument for GLUs in low precision
     * (Fishman et al. 2024). (A per-token version, max_j |a_ij| / RMS_i(a), saturates at √h on
     * tokens where one unit is active, as ReLU's often are, and says nothing.)
     */
    public static double outlierRatio(float[] acts, int rows, int h) {
        if ((long) rows * h != acts.length) {
            throw new IllegalArgumentException("activation matrix has " + acts.length + " values, expected rows " + rows + " x h " + h);
        }
        double ss = 0, max = 0;
        for (float a : acts) {
            double v = Math.abs((double) a);
            ss += v * v;
            if (v > max || Double.isNaN(v)) max = v;
        }
        if (Double.isNaN(max) || Double.isInfinite(ss)) return Double.NaN;
        return ss == 0 ? 0 : max / Math.sqrt(ss / acts.length);
    }

    /** Whether a unit whose peak ratio is {@code peak} is dead (NaN is not). */
    public static boolean dead(double peak) { return peak < RELATIVE_BAR; }

    /** Dead flags of the units of one [rows, h] activation matrix. */
    public static boolean[] deadUnits(float[] acts, int rows, int h) {
        double[] peak = peakRatios(acts, rows, h);
        boolean[] d = new boolean[h];
        for (int j = 0; j < h; j++) d[j] = dead(peak[j]);
        return d;
    }

    /** Fraction of true flags. */
    public static double fraction(boolean[] dead) {
        if (dead.length == 0) throw new IllegalArgumentException("no FFN units to count");
        int n = 0;
        for (boolean b : dead) if (b) n++;
        return (double) n / dead.length;
    }

    /** Mean over layers, NaN for no layers. */
    public static double mean(double[] perLayer) {
        if (perLayer.length == 0) return Double.NaN;
        double s = 0;
        for (double d : perLayer) s += d;
        return s / perLayer.length;
    }
}
