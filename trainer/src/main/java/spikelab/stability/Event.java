package spikelab.stability;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import com.google.gson.JsonObject;
import spikelab.run.Json;

/**
 * One line of events.jsonl: the step, the kind of event, the value that triggered it, and the
 * reference statistics it was judged against (mean/std/threshold for spikes,
 * median/threshold for explosions, threshold and streak for divergence and loss_above_bound).
 */
public final class Event {
    public static final String LOSS_SPIKE = "loss_spike";
    public static final String GRAD_SPIKE = "grad_spike";
    public static final String EXPLOSION = "explosion";
    public static final String DIVERGENCE = "divergence";
    /** A finite loss above ln(V)+1 after warm-up that has not (yet) lasted long enough to diverge. */
    public static final String LOSS_ABOVE_BOUND = "loss_above_bound";

    private final int step;
    private final String type;
    private final double value;
    private final Map<String, Double> stats;

    Event(int step, String type, double value, Map<String, Double> stats) {
        this.step = step;
        this.type = type;
        this.value = value;
        this.stats = Collections.unmodifiableMap(new LinkedHashMap<>(stats));
    }

    public int step() { return step; }
    public String type() { return type; }
    public double value() { return value; }
    /** Reference statistics in the order they are written. */
    public Map<String, Double> stats() { return stats; }

    /** The events.jsonl object; non-finite numbers become the strings "NaN"/"Infinity". */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("step", step);
        o.addProperty("type", type);
        Json.put(o, "value", value);
        for (Map.Entry<String, Double> e : stats.entrySet()) Json.put(o, e.getKey(), e.getValue());
        return o;
    }

    @Override
    public String toString() { return toJson().toString(); }
}
