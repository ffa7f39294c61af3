package spikelab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import spikelab.run.AtomicFiles;

/**
 * The report's figures, each as PNG (to look at) and SVG (to put in a paper): training loss and
 * gradient-norm curves per depth coloured by activation, spike score / dead fraction / max
 * attention logit against depth, and final loss against peak learning rate per depth.
 */
final class Plots {
    static {
        // charts are drawn off-screen; no display is needed or wanted on a cluster node
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    /**
     * Curves longer than this are block-averaged down to it. Large enough that runs of a few
     * thousand steps are drawn step by step, so single-step spikes stay visible.
     */
    private static final int MAX_POINTS = 2500;

    /** Okabe–Ito colours, distinguishable with the common colour-vision deficiencies, fixed per activation. */
    private static final Map<String, Color> COLOURS = Map.of(
            "relu", new Color(0xE69F00), "gelu", new Color(0x0072B2), "swiglu", new Color(0x009E73),
            "geglu", new Color(0xCC79A7), "reglu", new Color(0xD55E00), "glu", new Color(0x56B4E9),
            "bilinear", new Color(0x000000));

    private final Cells cells;
    private final Path dir;
    private final List<String> written = new ArrayList<>();

    private Plots(Cells cells, Path dir) {
        this.cells = cells;
        this.dir = dir;
    }

    /** Draws every figure into dir; returns the base names written (each as .png and .svg). */
    static List<String> write(Cells cells, Path dir) throws IOException {
        Plots p = new Plots(cells, dir);
        p.all();
        return p.written;
    }

    private void all() throws IOException {
        for (int depth : cells.depths()) {
            curves(depth, "loss", "training loss", false);
            curves(depth, "grad-norm", "gradient norm (before clipping)", true);
        }
        versusDepth("loss-spike-score-vs-depth", "Loss spike score vs depth", "loss spike score (fraction of steps)", true, false, r -> r.lossSpikeScore);
        versusDepth("grad-spike-score-vs-depth", "Gradient-norm spike score vs depth", "grad-norm spike score (fraction of steps)", true, false, r -> r.gradSpikeScore);
        versusDepth("dead-fraction-vs-depth", "Dead FFN units vs depth (last probe)", "dead fraction (mean over layers)", true, true, r -> r.deadFraction);
        versusDepth("max-attn-logit-vs-depth", "Max attention logit vs depth", "max attention logit (over the run)", false, true, r -> r.maxAttnLogit);
        if (cells.cells.stream().anyMatch(c -> c.runs.stream().anyMatch(r -> r.hasOutlierRatio))) {
            versusDepth("ffn-outlier-ratio-vs-depth", "FFN outlier ratio vs depth", "max |a| / RMS(a) of the FFN output (probe batch)",
                    false, true, r -> r.maxFfnOutlierRatio);
        }
        if (cells.cells.stream().map(c -> c.settings.dModel).distinct().count() > 1) gapVsParameters();
        LrPlots lr = new LrPlots(cells, this);
        lr.bestLossVsDepth();
        if (cells.lrSweep()) {
            for (int depth : cells.depths()) {
                lr.lossVsLr(depth);
                lr.attnLogitVsLr(depth);
            }
            lr.lrSensitivityVsDepth();
        }
    }

    // ---- curves -------------------------------------------------------------------------

    /** Per activation, the run(s) at its best learning rate, averaged over seeds step by step. */
    private void curves(int depth, String base, String yTitle, boolean grad) throws IOException {
        XYChart c = chart(String.format(Locale.ROOT, "%s, %d layers (best lr per activation; mean and min–max band over seeds)",
                grad ? "Gradient norm" : "Training loss", depth), "step", yTitle, cells.labels().size());
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (String act : cells.labels()) {
            Cells.Cell cell = cells.get(act, depth);
            if (cell == null) continue;
            double lr = cell.bestLr();
            List<RunData> runs = cell.atLr(lr);
            double[][] xy = meanCurve(runs, grad);
            if (xy[0].length == 0) continue;
            for (double v : xy[1]) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            if (runs.size() > 1) band(c, act, xy, cell);
            XYSeries s = c.addSeries(String.format(Locale.ROOT, "%s (lr %s)", act, RunData.lrLabel(lr)), xy[0], xy[1]);
            colour(s, cell);
            s.setMarker(SeriesMarkers.NONE);
        }
        if (c.getSeriesMap().isEmpty()) return;
        // log where the values span a decade or more (gradient norms usually do)
        if (lo > 0 && hi / lo >= 10) logY(c);
        // XChart's default spacing crowded the step labels into one another past step 100
        c.getStyler().setXAxisTickMarkSpacingHint(120);
        c.getStyler().setXAxisDecimalPattern("#");
        save(c, String.format(Locale.ROOT, "%s-L%d", base, depth));
    }

    /**
     * x = step, y = mean over the runs of the finite values at that step, and the smallest and
     * largest of them (the seed band), each block-averaged to MAX_POINTS.
     */
    static double[][] meanCurve(List<RunData> runs, boolean grad) {
        int len = 0;
        for (RunData r : runs) len = Math.max(len, r.curves().step.length);
        double[] sum = new double[len], cnt = new double[len], step = new double[len], min = new double[len], max = new double[len];
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
        for (RunData r : runs) {
            RunData.Curves cv = r.curves();
            double[] y = grad ? cv.gradNorm : cv.loss;
            for (int i = 0; i < y.length; i++) {
                step[i] = cv.step[i];
                if (Double.isFinite(y[i]) && y[i] > 0) {
                    sum[i] += y[i];
                    cnt[i]++;
                    min[i] = Math.min(min[i], y[i]);
                    max[i] = Math.max(max[i], y[i]);
                }
            }
        }
        int block = Math.max(1, (len + MAX_POINTS - 1) / MAX_POINTS);
        List<double[]> pts = new ArrayList<>();
        for (int b = 0; b < len; b += block) {
            double[] acc = new double[4];
            double n = 0;
            for (int i = b; i < Math.min(len, b + block); i++) {
                if (cnt[i] == 0) continue;
                acc[0] += step[i];
                acc[1] += sum[i] / cnt[i];
                acc[2] += min[i];
                acc[3] += max[i];
                n++;
            }
            if (n > 0) pts.add(new double[] {acc[0] / n, acc[1] / n, acc[2] / n, acc[3] / n});
        }
        double[][] out = new double[4][pts.size()];
        for (int i = 0; i < pts.size(); i++) for (int k = 0; k < 4; k++) out[k][i] = pts.get(i)[k];
        return out;
    }

    /** The seed band (xy[2] to xy[3]) as a filled polygon in the activation's colour, behind its mean line. */
    private static void band(XYChart c, String label, double[][] xy, Cells.Cell cell) {
        int n = xy[0].length;
        double[] px = new double[2 * n], py = new double[2 * n];
        for (int i = 0; i < n; i++) {
            px[i] = xy[0][i];
            py[i] = xy[3][i];
            px[2 * n - 1 - i] = xy[0][i];
            py[2 * n - 1 - i] = xy[2][i];
        }
        XYSeries b = c.addSeries(label + " seed band", px, py);
        Color col = COLOURS.getOrDefault(cell.activation, Color.DARK_GRAY);
        b.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        b.setFillColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 50));
        b.setLineColor(new Color(0, 0, 0, 0));
        b.setMarker(SeriesMarkers.NONE);
        b.setShowInLegend(false);
    }

    // ---- scalar against depth -----------------------------------------------------------

    /** @param fromZero start the y axis at 0 (fractions), so small differences do not look dramatic */
    // finishedOnly: leave diverged runs out (their dead units and logits describe the blow-up)
    private void versusDepth(String base, String title, String yTitle, boolean fromZero, boolean finishedOnly,
                             ToDoubleFunction<RunData> f) throws IOException {
        XYChart c = chart(title + (finishedOnly ? " (runs that did not diverge, mean ± std)" : " (all runs, mean ± std)"),
                "layers", yTitle, cells.labels().size());
        for (String act : cells.labels()) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>(), es = new ArrayList<>();
            Cells.Cell first = null;
            for (int depth : cells.depths()) {
                Cells.Cell cell = cells.get(act, depth);
                if (cell == null) continue;
                Stats s = finishedOnly ? cell.finishedStat(f) : cell.stat(f);
                if (s.n == 0) continue;
                if (first == null) first = cell;
                xs.add(depthX(depth));
                ys.add(s.mean);
                es.add(Double.isNaN(s.std) ? 0 : s.std);
            }
            if (xs.isEmpty()) continue;
            XYSeries s = c.addSeries(act, xs, ys, es);
            colour(s, first);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        if (c.getSeriesMap().isEmpty()) return;
        depthAxis(c);
        c.getStyler().setYAxisDecimalPattern("0.####");
        c.getStyler().setErrorBarsColorSeriesColor(true);
        if (fromZero) c.getStyler().setYAxisMin(0.0);
        save(c, base);
    }

    /** Widths' colours on the gap figure, narrowest first (Okabe–Ito, as the activations'). */
    private static final Color[] WIDTH_COLOURS = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73),
            new Color(0xCC79A7), new Color(0xE69F00), new Color(0x56B4E9)};

    /**
     * Claim 10's picture: per GLU pair and arm, GLU − plain final loss (mean ± std over seeds, each
     * cell at its lr as claim 9 picks it) against the plain model's parameter count, one line per
     * width through its depths. If depth, not size, sets the lead, the lines do not fall on one curve.
     */
    private void gapVsParameters() throws IOException {
        XYChart c = chart("GLU − plain final validation loss vs parameters, one line per width (mean ± std over seeds)",
                "parameters of the plain model (log scale)", "GLU − plain final val loss (nats)", 6);
        TreeSet<Integer> widths = new TreeSet<>();
        for (Cells.Cell cell : cells.cells) widths.add(cell.settings.dModel);
        for (Map.Entry<String, GapLine> e : gapLines(cells).entrySet()) {
            GapLine l = e.getValue();
            List<Double> x = new ArrayList<>();
            for (double n : l.params) x.add(Math.log10(n));
            XYSeries s = c.addSeries(e.getKey(), x, l.mean, l.std);
            Color col = WIDTH_COLOURS[widths.headSet(l.width).size() % WIDTH_COLOURS.length];
            s.setLineColor(col);
            s.setMarkerColor(col);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        if (c.getSeriesMap().isEmpty()) return;
        // drawn at log10(parameters), as the depth figures draw log2(layers): XChart's own log axis
        // labels only decades, and these models span less than one
        c.getStyler().setxAxisTickLabelsFormattingFunction(v -> {
            double n = Math.pow(10, v);
            return n >= 1e6 ? String.format(Locale.ROOT, "%.3gM", n / 1e6) : String.format(Locale.ROOT, "%.3gk", n / 1e3);
        });
        c.getStyler().setYAxisDecimalPattern("0.###");
        c.getStyler().setErrorBarsColorSeriesColor(true);
        save(c, "glu-gap-vs-parameters");
    }

    /** One line of the gap figure: an arm's (one width's) points, shallowest first. */
    static final class GapLine {
        final int width;
        final List<Double> params = new ArrayList<>(), mean = new ArrayList<>(), std = new ArrayList<>();

        GapLine(int width) { this.width = width; }
    }

    /** The gap figure's lines by legend name ("reglu − relu d64 (layers 2, 8)"). */
    static Map<String, GapLine> gapLines(Cells cells) {
        Map<String, GapLine> lines = new LinkedHashMap<>();
        for (String[] pr : GluClaims.PAIRS) {
            for (String plainLabel : cells.labels()) {
                // one line per arm of the plain activation (an arm has one width), through its depths
                if (!plainLabel.equals(pr[1]) && !plainLabel.startsWith(pr[1] + " ")) continue;
                String suffix = plainLabel.substring(pr[1].length()), gluLabel = pr[0] + suffix;
                GapLine line = null;
                List<String> depths = new ArrayList<>();
                for (int depth : cells.depths()) {
                    Cells.Cell p = cells.get(plainLabel, depth), g = cells.get(gluLabel, depth);
                    if (p == null || g == null) continue;
                    LossGaps gaps = LossGaps.of(List.<Cells.Cell[]>of(new Cells.Cell[] {g, p}));
                    if (gaps == null || gaps.bySeed.get(0).isEmpty()) continue;
                    Stats st = Stats.of(gaps.bySeed.get(0).values().stream().mapToDouble(Double::doubleValue).toArray());
                    if (line == null) line = new GapLine(p.settings.dModel);
                    line.params.add((double) p.runs.get(0).parameterCount);
                    line.mean.add(st.mean);
                    line.std.add(Double.isNaN(st.std) ? 0 : st.std);
                    depths.add(String.valueOf(depth));
                }
                if (line != null) {
                    lines.put(String.format(Locale.ROOT, "%s − %s%s (layers %s)", pr[0], pr[1], suffix, String.join(", ", depths)),
                            line);
                }
            }
        }
        return lines;
    }

    // ---- common ---------------------------------------------------------------------------

    static XYChart chart(String title, String x, String y) {
        return chart(title, x, y, 1);
    }

    /**
     * A chart with room for {@code legendEntries} legend lines: more than three (arm labels are
     * long: "swiglu post-LN, no qk-norm, warm-up 0, ...") go one per line under the plot, and the
     * image grows by a line each, so no label is cut off and the plot keeps its size.
     */
    static XYChart chart(String title, String x, String y, int legendEntries) {
        boolean column = legendEntries > 3;
        XYChart c = new XYChartBuilder().width(900).height(560 + (column ? 20 * legendEntries : 0)).title(title)
                .xAxisTitle(x).yAxisTitle(y).build();
        Styler st = c.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderVisible(true);
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(column ? Styler.LegendLayout.Vertical : Styler.LegendLayout.Horizontal);
        st.setLegendBorderColor(Color.WHITE);
        c.getStyler().setPlotGridLinesColor(new Color(0xDDDDDD));
        c.getStyler().setMarkerSize(7);
        return c;
    }

    /**
     * Where a depth sits on a vs-depth figure's x axis: log2(layers), so each doubling (2, 4, 8, 16,
     * 32, the study's depths) is one equal step and the deep end is not stretched out.
     */
    static double depthX(int layers) {
        return Math.log(layers) / Math.log(2);
    }

    /** The x tick label at position v of a log2 depth axis: the depth 2^v at whole v, else none. */
    static String depthLabel(double v) {
        double k = Math.rint(v);
        return Math.abs(v - k) < 1e-9 ? String.valueOf(Math.round(Math.pow(2, k))) : "";
    }

    /** The x axis of a vs-depth figure drawn at {@link #depthX}. */
    static void depthAxis(XYChart c) {
        c.setXAxisTitle("layers (log scale)");
        c.getStyler().setxAxisTickLabelsFormattingFunction(Plots::depthLabel);
    }

    /** Log y with labels between the decades too, so a curve spanning less than 100x still has numbers. */
    static void logY(XYChart c) {
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setYAxisLogarithmicDecadeOnly(false);
        c.getStyler().setyAxisTickLabelsFormattingFunction(v -> String.format(Locale.ROOT, "%.3g", v));
    }

    /** Colour by activation; a variant (post-LN, qk-norm, z-loss, low precision) is dashed so it stays apart from its twin. */
    static void colour(XYSeries s, Cells.Cell cell) {
        Color col = COLOURS.getOrDefault(cell.activation, Color.DARK_GRAY);
        s.setLineColor(col);
        s.setMarkerColor(col);
        // a variant keeps its activation's colour and gets its own dash: post-LN dashed, qk-norm dotted, z-loss
        // dash-dot, bf16 (or tf32) long dashes, bf16-autocast long and short
        float[] dash = cell.settings.norm.equals("post") && cell.arm.contains("post-LN") ? new float[] {8f, 5f}
                : cell.settings.qkNorm && cell.arm.contains("qk-norm") ? new float[] {2f, 4f}
                : cell.settings.zLoss > 0 && cell.arm.contains("z-loss") ? new float[] {9f, 4f, 2f, 4f}
                : cell.settings.precision.equals("bf16-autocast") && cell.arm.contains("bf16-autocast") ? new float[] {14f, 4f, 4f, 4f}
                : !cell.settings.precision.equals("fp32") && cell.arm.contains(cell.settings.precision) ? new float[] {14f, 6f} : null;
        s.setLineStyle(dash == null ? new BasicStroke(2f) : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, dash, 0f));
    }

    void save(XYChart c, String base) throws IOException {
        AtomicFiles.write(dir.resolve(base + ".png"), BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG));
        ByteArrayOutputStream svg = new ByteArrayOutputStream();
        VectorGraphicsEncoder.saveVectorGraphic(c, svg, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        AtomicFiles.write(dir.resolve(base + ".svg"), svg.toByteArray());
        written.add(base);
    }
}
