package spikelab.run;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

/**
 * JSON for run files. JSON has no NaN or infinity, and diverged runs produce both, so non-finite
 * numbers are written as the strings "NaN", "Infinity", "-Infinity" (readers map them back).
 */
public final class Json {
    private Json() {}

    public static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    /** For config.json and summary.json: nulls are kept, so "diverged_step": null says "did not diverge". */
    public static final Gson PRETTY = new GsonBuilder().disableHtmlEscaping().serializeNulls().setPrettyPrinting().create();

    public static JsonElement number(double v) {
        if (Double.isNaN(v)) return new JsonPrimitive("NaN");
        if (Double.isInfinite(v)) return new JsonPrimitive(v > 0 ? "Infinity" : "-Infinity");
        // floats print as floats: 2.5 not 2.5000000000000001
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return new JsonPrimitive((long) v);
        return new JsonPrimitive(v);
    }

    public static JsonElement numbers(double[] vs) {
        com.google.gson.JsonArray a = new com.google.gson.JsonArray();
        for (double v : vs) a.add(number(v));
        return a;
    }

    public static void put(JsonObject o, String key, double v) { o.add(key, number(v)); }

    /**
     * Reads a number written by {@link #number}: JSON numbers, the strings for non-finite values,
     * and numbers written as strings; null or absent is NaN.
     */
    public static double toDouble(JsonElement e) {
        if (e == null || e.isJsonNull()) return Double.NaN;
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) throw new IllegalStateException("expected a number, found the boolean " + p.getAsBoolean());
        if (p.isString()) {
            switch (p.getAsString()) {
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                case "NaN": return Double.NaN;
                default: return Double.parseDouble(p.getAsString());
            }
        }
        return p.getAsDouble();
    }
}
