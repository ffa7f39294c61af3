package spikelab.stability;

import java.util.Arrays;

/**
 * The last {@code capacity} values of a series, oldest first, with the statistics the detectors
 * need. Sums run oldest to newest so the same series always gives bit-identical statistics.
 */
public final class RollingWindow {
    private final double[] ring;
    private int start, size;

    public RollingWindow(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("window size must be at least 1, got " + capacity);
        ring = new double[capacity];
    }

    public int capacity() { return ring.length; }
    public int size() { return size; }
    public boolean full() { return size == ring.length; }

    /** Appends v, dropping the oldest value once the window is full. */
    public void add(double v) {
        if (size < ring.length) {
            ring[(start + size++) % ring.length] = v;
        } else {
            ring[start] = v;
            start = (start + 1) % ring.length;
        }
    }

    private double at(int i) { return ring[(start + i) % ring.length]; }

    public double mean() {
        requireValues();
        double s = 0;
        for (int i = 0; i < size; i++) s += at(i);
        return s / size;
    }

    /** Population standard deviation (divides by n): the spread of exactly these W values. */
    public double std() {
        double m = mean(), ss = 0;
        for (int i = 0; i < size; i++) {
            double d = at(i) - m;
            ss += d * d;
        }
        return Math.sqrt(ss / size);
    }

    /** The middle value, or the mean of the two middle values for an even count. */
    public double median() {
        requireValues();
        double[] a = new double[size];
        for (int i = 0; i < size; i++) a[i] = at(i);
        Arrays.sort(a);
        return size % 2 == 1 ? a[size / 2] : 0.5 * (a[size / 2 - 1] + a[size / 2]);
    }

    /** Median absolute deviation from {@code center}: median of |v − center|. */
    public double mad(double center) {
        requireValues();
        double[] a = new double[size];
        for (int i = 0; i < size; i++) a[i] = Math.abs(at(i) - center);
        Arrays.sort(a);
        return size % 2 == 1 ? a[size / 2] : 0.5 * (a[size / 2 - 1] + a[size / 2]);
    }

    private void requireValues() {
        if (size == 0) throw new IllegalStateException("the window is empty");
    }
}
