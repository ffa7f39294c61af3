package spikelab.stability;

import spikelab.model.Activation;

/**
 * DESIGN §3 dead FFN units. A unit is dead when its activation output is 0 for every token of
 * the probe batch: exactly 0 for the relu family (whose dead units output true zeros), below
 * {@link #THRESHOLD} in magnitude for the smooth gates (which never reach 0 exactly). The input
 * is each unit's max |output| over the probe, which a backend reduces on the device.
 */
public final class DeadUnits {
    public static final float THRESHOLD = 1e-6f;

    private DeadUnits() {}

    /** Whether a unit whose largest |output| over the probe is {@code maxAbs} counts as dead. */
    public static boolean dead(float maxAbs, Activation act) {
        // NaN compares false both ways: a unit with non-finite output is not called dead
        return act.exactZeros() ? maxAbs == 0f : maxAbs < THRESHOLD;
    }

    /** Fraction of dead units given each unit's max |output| over the probe batch. */
    public static double fraction(float[] unitMaxAbs, Activation act) {
        if (unitMaxAbs.length == 0) throw new IllegalArgumentException("no FFN units to count");
        int dead = 0;
        for (float m : unitMaxAbs) if (dead(m, act)) dead++;
        return (double) dead / unitMaxAbs.length;
    }

    /** Per-unit max |value| of a row-major [rows, h] activation matrix (host side reference). */
    public static float[] unitMaxAbs(float[] acts, int rows, int h) {
        if ((long) rows * h != acts.length) {
            throw new IllegalArgumentException("activation matrix has " + acts.length + " values, expected rows " + rows + " x h " + h);
        }
        float[] m = new float[h];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < h; j++) {
                float a = Math.abs(acts[r * h + j]);
                // keep NaN sticky so a broken unit is never mistaken for a dead one
                if (a > m[j] || Float.isNaN(a)) m[j] = Float.isNaN(m[j]) ? m[j] : a;
            }
        }
        return m;
    }

    /** Mean over layers, NaN for no layers. */
    public static double mean(double[] perLayer) {
        if (perLayer.length == 0) return Double.NaN;
        double s = 0;
        for (double d : perLayer) s += d;
        return s / perLayer.length;
    }
}
