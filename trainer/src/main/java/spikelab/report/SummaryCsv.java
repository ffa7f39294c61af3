package spikelab.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * summary.csv: one row per run, the summary.json fields (and config.json's qk_norm, z_loss, data,
 * ffn_hidden, precision) as flat columns, non-finite as NaN/Infinity, fields a run lacks as empty cells.
 */
public final class SummaryCsv {
    private SummaryCsv() {}

    private static final String[] NAMES = {
        "name", "activation", "norm", "layers", "d_model", "lr", "seed", "parameter_count", "device",
        "steps_planned", "steps_completed", "interrupted", "diverged", "diverged_step", "final_train_loss",
        "final_val_loss", "best_val_loss", "val_loss_at_init", "loss_spikes", "grad_spikes", "explosions",
        "loss_spike_score", "grad_spike_score", "dead_fraction", "max_attn_logit", "tokens_per_s",
        "wall_time_s", "qk_norm", "z_loss", "data", "outcome", "ffn_hidden", "dead_recovered_fraction", "precision",
        "max_ffn_outlier_ratio", "dir"};

    /** The row of one run, in {@link #NAMES} order. */
    private static Object[] values(RunData r) {
        return new Object[] {r.name, r.activation, r.norm, r.layers, r.dModel, r.lr, r.seed, r.parameterCount, r.device,
            r.stepsPlanned, r.stepsCompleted, r.interrupted, r.diverged, r.divergedStep, r.finalTrainLoss, r.finalValLoss,
            r.bestValLoss, r.valLossAtInit, r.lossSpikes, r.gradSpikes, r.explosions, r.lossSpikeScore, r.gradSpikeScore,
            r.deadFraction, r.maxAttnLogit, r.tokensPerS, r.wallTimeS, r.qkNorm, absent(r.zLoss), r.data, r.outcome,
            r.ffnHidden, absent(r.deadRecoveredFraction), r.precision, r.hasOutlierRatio ? r.maxFfnOutlierRatio : null,
            r.dir.toString()};
    }

    /** A field the run did not record (older runs) is an empty cell, not NaN. */
    private static Double absent(double v) { return Double.isNaN(v) ? null : v; }

    public static final List<String> COLUMNS = List.of(NAMES);

    public static String render(List<RunData> runs) {
        StringBuilder sb = new StringBuilder(String.join(",", NAMES)).append('\n');
        for (RunData r : runs) {
            Object[] v = values(r);
            if (v.length != NAMES.length) throw new AssertionError("summary.csv row and header disagree");
            for (int i = 0; i < v.length; i++) {
                if (i > 0) sb.append(',');
                sb.append(cell(v[i]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String cell(Object v) {
        if (v == null) return "";
        if (v instanceof Double) {
            double d = (Double) v;
            // whole numbers such as tokens_per_s print without a trailing .0
            if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
            return Double.toString(d);
        }
        String s = v.toString();
        if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0) return '"' + s.replace("\"", "\"\"") + '"';
        return s;
    }

    /**
     * Reads what {@link #render} writes (or any CSV with a header row and RFC 4180 quoting): one map
     * per row, column name to cell text, in file order. A row with another cell count than the
     * header is an IllegalArgumentException.
     */
    public static List<Map<String, String>> parse(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> rec = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false, any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c != '"') f.append(c);
                else if (i + 1 < text.length() && text.charAt(i + 1) == '"') f.append(text.charAt(++i));
                else quoted = false;
            } else if (c == '"') {
                quoted = true;
                any = true;
            } else if (c == ',') {
                rec.add(f.toString());
                f.setLength(0);
                any = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
                if (any || f.length() > 0) {
                    rec.add(f.toString());
                    records.add(rec);
                }
                rec = new ArrayList<>();
                f.setLength(0);
                any = false;
            } else {
                f.append(c);
            }
        }
        if (quoted) throw new IllegalArgumentException("a quoted cell is not closed: the CSV is cut short");
        if (any || f.length() > 0) {
            rec.add(f.toString());
            records.add(rec);
        }
        List<Map<String, String>> rows = new ArrayList<>();
        if (records.isEmpty()) return rows;
        List<String> header = records.get(0);
        for (int r = 1; r < records.size(); r++) {
            List<String> cells = records.get(r);
            if (cells.size() != header.size()) {
                throw new IllegalArgumentException("row " + r + " has " + cells.size() + " cells where the header has " + header.size());
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) row.put(header.get(i), cells.get(i));
            rows.add(row);
        }
        return rows;
    }
}
