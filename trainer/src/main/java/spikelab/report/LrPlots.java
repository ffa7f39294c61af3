package spikelab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The figures that read a cell across learning rates or depths: final loss against lr with
 * error bars, max attention logit against lr, best loss and LR sensitivity against depth with
 * 95% CIs.
 * Pre- and post-LN (and other arms) of one activation share a colour and differ in dash, so
 * reporting two sweeps together overlays them.
 */
final class LrPlots {
    private final Cells cells;
    private final Plots out;

    LrPlots(Cells cells, Plots out) {
        this.cells = cells;
        this.out = out;
    }

    /** Per lr: mean and sample std over seeds of f, for the finite values. */
    private static TreeMap<Double, Stats> byLr(Cells.Cell cell, java.util.function.ToDoubleFunction<RunData> f) {
        TreeMap<Double, Stats> m = new TreeMap<>();
        for (double lr : cell.lrs()) m.put(lr, Cells.Cell.stat(cell.atLr(lr), f));
        return m;
    }

    /**
     * Final validation loss (diverged runs at their loss at init, as the LR sensitivity counts
     * them) against peak lr, mean ± std over seeds. The y axis spans the trainable region, from
     * just under the lowest error bar to just over the loss at init, so that the differences near
     * the optimum are not flattened by the blown-up runs.
     */
    void lossVsLr(int depth) throws IOException {
        XYChart c = Plots.chart(String.format(Locale.ROOT, "Final validation loss vs peak lr, %d layers (mean ± std over seeds)", depth),
                "peak learning rate", "final val loss (diverged runs at their initial loss)", cells.labels().size());
        double init = 0, initN = 0, lrMin = Double.POSITIVE_INFINITY, lrMax = 0, yLo = Double.POSITIVE_INFINITY, yHi = 0;
        for (String label : cells.labels()) {
            Cells.Cell cell = cells.get(label, depth);
            if (cell == null) continue;
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>(), es = new ArrayList<>();
            for (Map.Entry<Double, Stats> e : byLr(cell, Claims::clamped).entrySet()) {
                Stats s = e.getValue();
                if (!(e.getKey() > 0) || s.n == 0) continue;
                double err = Double.isNaN(s.std) ? 0 : s.std;
                xs.add(e.getKey());
                ys.add(s.mean);
                es.add(err);
                lrMin = Math.min(lrMin, e.getKey());
                lrMax = Math.max(lrMax, e.getKey());
                yLo = Math.min(yLo, s.mean - err);
                yHi = Math.max(yHi, s.mean + err);
            }
            for (RunData r : cell.runs) {
                if (Double.isFinite(r.valLossAtInit)) {
                    init += r.valLossAtInit;
                    initN++;
                }
            }
            if (xs.isEmpty()) continue;
            double sens = cell.lrSensitivity();
            XYSeries s = c.addSeries(Double.isNaN(sens) ? label : String.format(Locale.ROOT, "%s (LR sensitivity %.3f)", label, sens),
                    xs, ys, es);
            Plots.colour(s, cell);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        if (c.getSeriesMap().isEmpty()) return;
        if (initN > 0 && lrMax > lrMin) {
            double l0 = init / initN;
            XYSeries s = c.addSeries("loss at init", new double[] {lrMin, lrMax}, new double[] {l0, l0});
            s.setLineColor(Color.GRAY);
            s.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            s.setMarker(SeriesMarkers.NONE);
            yHi = Math.max(yHi, l0);
        }
        if (yHi > yLo) {
            double pad = 0.05 * (yHi - yLo);
            c.getStyler().setYAxisMin(yLo - pad);
            c.getStyler().setYAxisMax(yHi + pad);
        }
        c.getStyler().setErrorBarsColorSeriesColor(true);
        // decade ticks from XChart's own log-axis labelling: a custom tick formatter made it
        // place linear ticks (0.0, 0.1, ...) on the log axis, mislabelling every point
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setXAxisLogarithmicDecadeOnly(true);
        c.getStyler().setYAxisDecimalPattern("0.###");
        out.save(c, String.format(Locale.ROOT, "loss-vs-lr-L%d", depth));
    }

    /**
     * The largest attention logit of each run against peak lr, mean over seeds, both axes log:
     * the logit growth that qk-norm is meant to stop shows as a line bending up with lr.
     * Diverged runs are included; their logits are where the growth ends.
     */
    void attnLogitVsLr(int depth) throws IOException {
        XYChart c = Plots.chart(String.format(Locale.ROOT, "Max attention logit vs peak lr, %d layers (mean over seeds, all runs)", depth),
                "peak learning rate", "max attention logit (log scale)", cells.labels().size());
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (String label : cells.labels()) {
            Cells.Cell cell = cells.get(label, depth);
            if (cell == null) continue;
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (Map.Entry<Double, Stats> e : byLr(cell, r -> r.maxAttnLogit > 0 ? r.maxAttnLogit : Double.NaN).entrySet()) {
                if (e.getValue().n == 0 || !(e.getKey() > 0)) continue;
                xs.add(e.getKey());
                ys.add(e.getValue().mean);
                lo = Math.min(lo, e.getValue().mean);
                hi = Math.max(hi, e.getValue().mean);
            }
            if (xs.isEmpty()) continue;
            XYSeries s = c.addSeries(label, xs, ys);
            Plots.colour(s, cell);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        if (c.getSeriesMap().isEmpty()) return;
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setXAxisLogarithmicDecadeOnly(true);
        // XChart's own log labels: with a tick formatter it labels a log axis with linear ticks
        if (lo > 0 && hi > lo) c.getStyler().setYAxisLogarithmic(true);
        out.save(c, String.format(Locale.ROOT, "max-attn-logit-vs-lr-L%d", depth));
    }

    /**
     * Final validation loss at each cell's best lr against depth, mean over seeds with a 95% CI
     * (Student's t on the seeds; none with one seed). Pre- and post-LN arms overlay, dashed apart.
     */
    void bestLossVsDepth() throws IOException {
        XYChart c = Plots.chart("Best final validation loss vs depth (at each cell's best lr; mean and 95% CI over seeds)",
                "layers", "final val loss", cells.labels().size());
        for (String label : cells.labels()) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>(), es = new ArrayList<>();
            Cells.Cell first = null;
            for (int depth : cells.depths()) {
                Cells.Cell cell = cells.get(label, depth);
                if (cell == null) continue;
                Stats s = Cells.Cell.stat(cell.atLr(cell.bestLr()), Claims::clamped);
                if (s.n == 0) continue;
                if (first == null) first = cell;
                xs.add(Plots.depthX(depth));
                ys.add(s.mean);
                es.add(s.n < 2 ? 0 : tQuantile975(s.n - 1) * s.std / Math.sqrt(s.n));
            }
            if (xs.isEmpty()) continue;
            XYSeries s = c.addSeries(label, xs, ys, es);
            Plots.colour(s, first);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        if (c.getSeriesMap().isEmpty()) return;
        Plots.depthAxis(c);
        c.getStyler().setYAxisDecimalPattern("0.###");
        c.getStyler().setErrorBarsColorSeriesColor(true);
        out.save(c, "best-loss-vs-depth");
    }

    /**
     * LR sensitivity against depth, claim 7's question as a figure: per seed, over the lrs that
     * every depth of the row ran (a seed missing one of them at some depth is left out there), mean
     * and 95% CI over seeds. Rows with one depth or fewer than two shared lrs are not drawn.
     */
    void lrSensitivityVsDepth() throws IOException {
        XYChart c = Plots.chart("LR sensitivity vs depth (per seed, over the lrs every depth ran; mean and 95% CI over seeds)",
                "layers", "LR sensitivity (nats)", cells.labels().size());
        for (String label : cells.labels()) {
            List<Cells.Cell> row = new ArrayList<>();
            for (int depth : cells.depths()) if (cells.get(label, depth) != null) row.add(cells.get(label, depth));
            if (row.size() < 2) continue;
            TreeSet<Double> lrs = new TreeSet<>(row.get(0).lrs());
            for (Cells.Cell cell : row) lrs.retainAll(cell.lrs());
            if (lrs.size() < 2) continue;
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>(), es = new ArrayList<>();
            List<String> grid = new ArrayList<>();
            for (double lr : lrs) grid.add(RunData.lrLabel(lr));
            for (Cells.Cell cell : row) {
                List<Double> v = new ArrayList<>();
                for (long seed : Claims.seeds(cell)) {
                    List<LrSensitivity.Point> pts = Claims.seedPoints(cell, seed, lrs);
                    if (LrSensitivity.clampedLossByLr(pts).size() == lrs.size()) v.add(LrSensitivity.of(pts));
                }
                Stats st = Stats.of(v.stream().mapToDouble(Double::doubleValue).toArray());
                if (st.n == 0) continue;
                xs.add(Plots.depthX(cell.layers));
                ys.add(st.mean);
                es.add(st.n < 2 ? 0 : tQuantile975(st.n - 1) * st.std / Math.sqrt(st.n));
            }
            if (xs.size() < 2) continue;
            XYSeries s = c.addSeries(label + " (lr " + String.join(", ", grid) + ")", xs, ys, es);
            Plots.colour(s, row.get(0));
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        if (c.getSeriesMap().isEmpty()) return;
        Plots.depthAxis(c);
        c.getStyler().setYAxisDecimalPattern("0.###");
        c.getStyler().setErrorBarsColorSeriesColor(true);
        out.save(c, "lr-sensitivity-vs-depth");
    }

    /** Student's t 0.975 quantile for df degrees of freedom (table to 30, then the normal's 1.96 plus a 1/df term). */
    static double tQuantile975(int df) {
        double[] t = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
            2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
        return df <= t.length ? t[df - 1] : 1.96 + 2.4 / df;
    }
}
