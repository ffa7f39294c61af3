package spikelab.stability;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The DESIGN §3 rule ("meanstd"): v_t is a spike when v_t > μ + k·σ, μ and σ the mean and
 * population standard deviation of the previous (up to W) finite values. While the loss falls
 * fast, σ is dominated by the trend, not the noise, so the bar sits high: see
 * docs/stability.md for what that costs.
 */
public final class MeanStdSpikes extends SpikeDetector {
    private final RollingWindow values;

    public MeanStdSpikes(int window, double k, int minValues) {
        super(window, k, minValues);
        values = new RollingWindow(window);
    }

    @Override public String rule() { return MEANSTD; }

    @Override
    Check judge(double v) {
        double mean = values.mean(), std = values.std(), thr = mean + k() * std;
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("mean", mean);
        s.put("std", std);
        s.put("threshold", thr);
        return new Check(v > thr, s);
    }

    @Override
    void remember(double v) { values.add(v); }
}
