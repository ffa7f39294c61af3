package spikelab.stability;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * Per-unit dead state across the probes of a run, so units that die and come back are counted.
 * For each FFN unit of each layer it keeps three facts: dead at the latest probe, dead at some
 * probe so far, and recovered — dead at some probe and alive at a later one (a unit that
 * recovers and dies again stays counted as recovered, and is dead now too).
 * {@code dead_recovered_fraction} = recovered units / units ever dead (NaN when none ever died).
 */
public final class DeadUnitTracker {
    private static final int NOW = 1, EVER = 2, RECOVERED = 4;

    private final byte[][] state;   // [layer][unit] bit set of NOW, EVER, RECOVERED

    public DeadUnitTracker(int layers, int units) {
        if (layers < 1 || units < 1) throw new IllegalArgumentException("need at least one layer and one unit, got " + layers + " x " + units);
        state = new byte[layers][units];
    }

    public int layers() { return state.length; }

    /** Records one probe of layer {@code l}; returns that layer's dead fraction now. */
    public double observe(int l, boolean[] dead) {
        byte[] s = state[l];
        if (dead.length != s.length) throw new IllegalArgumentException("layer " + l + " has " + s.length + " units, got " + dead.length + " flags");
        int n = 0;
        for (int j = 0; j < s.length; j++) {
            int b = s[j];
            if (dead[j]) {
                b |= NOW | EVER;
                n++;
            } else {
                if ((b & NOW) != 0) b |= RECOVERED;
                b &= ~NOW;
            }
            s[j] = (byte) b;
        }
        return (double) n / s.length;
    }

    private int count(int bit) {
        int n = 0;
        for (byte[] layer : state) for (byte b : layer) if ((b & bit) != 0) n++;
        return n;
    }

    public int deadNow() { return count(NOW); }
    public int everDead() { return count(EVER); }
    public int recovered() { return count(RECOVERED); }
    public int units() { return state.length * state[0].length; }

    /** Recovered units over units ever dead; NaN when no unit has died. */
    public double recoveredFraction() {
        int ever = everDead();
        return ever == 0 ? Double.NaN : (double) recovered() / ever;
    }

    /** The summary.json keys of this tracker. */
    public void addTo(JsonObject o) {
        o.addProperty("dead_units_now", deadNow());
        o.addProperty("dead_units_ever", everDead());
        o.addProperty("dead_units_recovered", recovered());
        spikelab.run.Json.put(o, "dead_recovered_fraction", recoveredFraction());
    }

    /** Checkpoint form: one string of digits 0–7 per layer, one digit per unit. */
    public JsonArray state() {
        JsonArray a = new JsonArray();
        for (byte[] layer : state) {
            char[] c = new char[layer.length];
            for (int j = 0; j < layer.length; j++) c[j] = (char) ('0' + layer[j]);
            a.add(new String(c));
        }
        return a;
    }

    /** Restores {@link #state()}; the shape must match this model's. */
    public void restore(JsonArray a) {
        if (a.size() != state.length) throw new IllegalArgumentException("dead-unit state has " + a.size() + " layers, the model " + state.length);
        for (int l = 0; l < state.length; l++) {
            String s = a.get(l).getAsString();
            if (s.length() != state[l].length) throw new IllegalArgumentException("dead-unit state of layer " + l + " has " + s.length() + " units, the model " + state[l].length);
            for (int j = 0; j < s.length(); j++) {
                int b = s.charAt(j) - '0';
                if (b < 0 || b > 7) throw new IllegalArgumentException("dead-unit state of layer " + l + " has a bad digit '" + s.charAt(j) + "'");
                state[l][j] = (byte) b;
            }
        }
    }
}
