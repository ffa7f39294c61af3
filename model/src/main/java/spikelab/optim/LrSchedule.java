package spikelab.optim;

import ai.djl.training.tracker.Tracker;

/**
 * Linear warm-up from 0 to the peak, then cosine decay to {@code minLr} at the last step, built
 * on DJL's trackers. Steps are 1-based: step {@code warmup} is the first at the peak and step
 * {@code steps} ends at {@code minLr}. A peak equal to {@code minLr} gives a constant rate.
 */
public final class LrSchedule {
    private final Tracker tracker;
    private final int warmup;
    private final boolean direct;

    public LrSchedule(float peak, float minLr, int warmup, int steps) {
        if (!(peak > 0) || !Float.isFinite(peak)) {
            throw new IllegalArgumentException("--lr must be a positive finite number, got " + peak + ": use e.g. --lr 1e-3");
        }
        if (!(minLr >= 0) || !Float.isFinite(minLr) || minLr > peak) {
            throw new IllegalArgumentException("--min-lr must be between 0 and --lr (" + peak + "), got " + minLr);
        }
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be 0 or more, got " + warmup);
        if (steps <= 0) throw new IllegalArgumentException("--steps must be positive, got " + steps);
        this.warmup = warmup;
        int decaySteps = steps - warmup;
        Tracker main = decaySteps <= 1 || peak == minLr
                ? Tracker.fixed(peak)
                : Tracker.cosine().setBaseValue(peak).optFinalValue(minLr)
                        .setMaxUpdates(warmup == 0 ? decaySteps - 1 : decaySteps).build();
        direct = warmup == 0;
        tracker = direct ? main : Tracker.warmUp().optWarmUpSteps(warmup).optWarmUpBeginValue(0f)
                .setMainTracker(main).build();
    }

    /** Learning rate for 1-based step {@code step}. */
    public float lr(int step) {
        return tracker.getNewValue(direct ? step - 1 : step);
    }

    public int warmup() { return warmup; }
}
