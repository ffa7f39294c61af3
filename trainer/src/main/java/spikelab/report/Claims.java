package spikelab.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * The study's ten claims (Shazeer 2020; Wortsman et al. 2023; Fishman et al. 2024; claims 9 and 10 its own),
 * each tested on whatever arms the runs contain: paired differences matched by seed (bootstrap CI,
 * sign-flip p) or incidences (Fisher's exact test), Holm-adjusted over every comparison in the report, and a verdict per
 * comparison and per claim from the rule in {@link #RULE}. A claim whose arms are absent is
 * "not tested here".
 */
final class Claims {
    static final double ALPHA = 0.05;

    static final String RULE = "A comparison **supports** its claim when its Holm-adjusted p (over the comparisons that "
            + "could reach significance) is below " + ALPHA
            + " and its effect has the claimed sign (every effect below is written so that negative is the claimed "
            + "direction), **contradicts** it when the adjusted p is below " + ALPHA + " with the other sign, and is "
            + "**unresolved** otherwise. A claim is supported when at least one of its comparisons supports it and none "
            + "contradicts it, contradicted in the mirror case, and unresolved otherwise (none significant, or both ways).";

    /** One tested comparison; effect < 0 is the direction the claim predicts. */
    static final class Comparison {
        final String what, arm, test, pairing, effectText;
        /** The 95% CI as printed ("—" for incidences). */
        String ciText = "—";
        final int n;
        final double effect, ciLow, ciHigh, p;
        double adjusted = Double.NaN;
        /** The paired differences' sample SD (NaN for incidences and fewer than two pairs). */
        double sd = Double.NaN;
        /** The smallest p this test could give on data of this size (margins, number of pairs). */
        double minP = 0;
        String verdict = "unresolved";

        Comparison(String what, String arm, String test, String pairing, int n, double effect, double ciLow, double ciHigh,
                   double p, String effectText) {
            this.what = what;
            this.arm = arm;
            this.test = test;
            this.pairing = pairing;
            this.n = n;
            this.effect = effect;
            this.ciLow = ciLow;
            this.ciHigh = ciHigh;
            this.p = p;
            this.effectText = effectText;
        }
    }

    static final class Claim {
        final int id;
        final String title, notes;
        final List<Comparison> comparisons;
        String verdict;

        Claim(int id, String title, String notes, List<Comparison> comparisons) {
            this.id = id;
            this.title = title;
            this.notes = notes;
            this.comparisons = comparisons;
        }
    }

    private final Cells cells;

    private Claims(Cells cells) { this.cells = cells; }

    static List<Claim> evaluate(Cells cells) {
        Claims c = new Claims(cells);
        Map<String, Map<String, Map<Integer, Cells.Cell>>> arms = c.byArm();
        List<Claim> claims = List.of(GluClaims.lowerLoss(arms), c.smooth(), c.qkNorm(), c.zLoss(), c.bf16(),
                GluClaims.dropIn(arms), GluClaims.depthWidens(arms),
                GluClaims.qkNormRemovesPenalty(c.partners("qk_norm", s -> s.qkNorm, s -> !s.qkNorm)),
                GluClaims.depthShrinksAdvantage(arms), WidthClaim.depthNotSize(arms));
        List<Comparison> all = new ArrayList<>();
        for (Claim cl : claims) all.addAll(cl.comparisons);
        // a comparison that could not reach p < ALPHA even with the most extreme data (no events in
        // either group; 5 pairs under a sign-flip test) can never be significant: it is reported
        // but left out of the family Holm adjusts over (Tarone 1990's argument)
        double[] p = new double[all.size()];
        for (int i = 0; i < p.length; i++) p[i] = all.get(i).minP < ALPHA ? all.get(i).p : Double.NaN;
        double[] adj = ExactTests.holm(p);
        for (int i = 0; i < p.length; i++) {
            Comparison x = all.get(i);
            x.adjusted = adj[i];
            if (adj[i] < ALPHA && x.effect < 0) x.verdict = "supported";
            else if (adj[i] < ALPHA && x.effect > 0) x.verdict = "contradicted";
        }
        for (Claim cl : claims) {
            long sup = cl.comparisons.stream().filter(x -> x.verdict.equals("supported")).count();
            long con = cl.comparisons.stream().filter(x -> x.verdict.equals("contradicted")).count();
            cl.verdict = cl.comparisons.isEmpty() ? "not tested here" : sup > 0 && con == 0 ? "supported"
                    : con > 0 && sup == 0 ? "contradicted" : "unresolved";
        }
        return claims;
    }

    /** How many comparisons Holm adjusts over: those that could reach p < ALPHA with data of their size. */
    static int holmFamily(List<Claim> claims) {
        int family = 0;
        for (Claim c : claims) for (Comparison x : c.comparisons) if (!Double.isNaN(x.adjusted)) family++;
        return family;
    }

    static double clamped(RunData r) { return new LrSensitivity.Point(r.lr, r.finalValLoss, r.valLossAtInit).clamped(); }

    // ---- claim 2: smooth activations spike and diverge less as depth grows -------------------

    private Claim smooth() {
        List<Comparison> out = new ArrayList<>();
        String[][] pairs = {{"gelu", "relu"}, {"swiglu", "reglu"}};
        for (Map.Entry<String, Map<String, Map<Integer, Cells.Cell>>> arm : byArm().entrySet()) {
            for (String[] pr : pairs) {
                Map<Integer, Cells.Cell> a = arm.getValue().get(pr[0]), b = arm.getValue().get(pr[1]);
                if (a == null || b == null || common(a, b).isEmpty()) continue;
                int deepest = common(a, b).last();
                List<RunData> ra = a.get(deepest).runs, rb = b.get(deepest).runs;
                String what = pr[0] + " vs " + pr[1] + ", " + deepest + " layers: ";
                out.add(incidence(what + "runs with a loss spike", arm.getKey(), ra, rb, r -> r.lossSpikes > 0));
                out.add(incidence(what + "runs that diverged", arm.getKey(), ra, rb, r -> r.diverged));
                boolean outcomes = ra.stream().anyMatch(r -> r.outcome != null) && rb.stream().anyMatch(r -> r.outcome != null);
                if (outcomes) out.add(incidence(what + "runs that stalled", arm.getKey(), ra, rb, RunData::stalled));
            }
        }
        return new Claim(2, "Smooth activations spike and diverge less as depth grows (gelu vs relu, swiglu vs reglu)",
                "At the deepest depth both activations ran in each arm (a stress arm is its own arm), over every lr and "
                + "seed: the share of runs with at least one loss spike, that diverged, and (where summary.json records an "
                + "outcome) that stalled. Effect: smooth share minus non-smooth share; Fisher's exact test, two-sided.", out);
    }

    private static Comparison incidence(String what, String arm, List<RunData> treated, List<RunData> control,
                                        Predicate<RunData> event) {
        int a = count(treated, event), c = count(control, event);
        double effect = (double) a / treated.size() - (double) c / control.size();
        double p = ExactTests.fisherTwoSided(a, treated.size() - a, c, control.size() - c);
        Comparison x = new Comparison(what, arm, "Fisher exact", "unpaired", treated.size() + control.size(), effect, Double.NaN,
                Double.NaN, p, String.format(Locale.ROOT, "%d/%d vs %d/%d (%+.0f pp)", a, treated.size(), c, control.size(), 100 * effect));
        x.minP = ExactTests.fisherMinP(treated.size(), control.size(), a + c);
        return x;
    }

    private static int count(List<RunData> runs, Predicate<RunData> event) {
        int k = 0;
        for (RunData r : runs) if (event.test(r)) k++;
        return k;
    }

    // ---- claims 3 and 4: the mitigations, on against off -------------------------------------

    private Claim qkNorm() {
        List<Comparison> out = new ArrayList<>();
        // every activation together too: the claim is about attention, whatever the FFN
        Map<String, List<Cells.Cell[]>> partners = withPooled(partners("qk_norm", s -> s.qkNorm, s -> !s.qkNorm));
        for (Map.Entry<String, List<Cells.Cell[]>> e : partners.entrySet()) {
            out.add(pairedRuns(e.getKey() + ": log10 max attention logit, qk-norm − none", e.getValue(),
                    r -> r.maxAttnLogit > 0 && Double.isFinite(r.maxAttnLogit) ? Math.log10(r.maxAttnLogit) : Double.NaN));
            List<Double> d = new ArrayList<>();
            for (Cells.Cell[] pc : e.getValue()) {
                // over the lrs both ran: a longer curve on one side would add its own extremes
                TreeSet<Double> lrs = new TreeSet<>(pc[0].lrs());
                lrs.retainAll(pc[1].lrs());
                TreeSet<Long> seeds = seeds(pc[0]);
                seeds.retainAll(seeds(pc[1]));
                for (long s : seeds) {
                    double v = seedSensitivity(pc[0], s, lrs) - seedSensitivity(pc[1], s, lrs);
                    if (Double.isFinite(v)) d.add(v);
                }
            }
            out.add(paired(e.getKey() + ": LR sensitivity, qk-norm − none", "", "(seed, depth, arm); the lrs both cells ran", d, "%+.4f"));
        }
        return new Claim(3, "qk-norm holds attention logits down and widens the stable lr range (per activation)",
                "Pairs are runs that differ only in qk-norm (same activation, depth, lr, seed and other settings); "
                + "\"all activations\" pools the pairs of every activation. The "
                + "logit effect is the log10 ratio of the max attention logits (−0.3 halves them); the LR sensitivity is "
                + "computed per seed over the learning rates both cells ran and paired by seed.", out);
    }

    private Claim zLoss() {
        List<Comparison> out = new ArrayList<>();
        // pooled as for qk-norm: z-loss acts on the output layer, whatever the FFN
        for (Map.Entry<String, List<Cells.Cell[]>> e : withPooled(partners("z_loss", s -> s.zLoss > 0, s -> s.zLoss == 0)).entrySet()) {
            out.add(pairedRuns(e.getKey() + ": max |log Z| over the run, z-loss − none", e.getValue(), RunData::maxAbsLogZ));
            out.add(pairedRuns(e.getKey() + ": |log Z| over the last 100 steps, z-loss − none", e.getValue(), RunData::finalAbsLogZ));
            out.add(incidence(e.getKey() + ": runs that diverged, z-loss vs none", "", side(e.getValue(), 0), side(e.getValue(), 1),
                    r -> r.diverged));
        }
        return new Claim(4, "z-loss holds the output logits' log-partition (log Z) down and prevents divergence (per activation)",
                "Pairs are runs that differ only in z-loss; \"all activations\" pools the pairs of every activation. "
                + "log Z is metrics.jsonl's logz_mean; the effects are the differences of its largest magnitude over the "
                + "run and of its mean magnitude over the last 100 steps (log Z starts at ln V, so with a large vocabulary "
                + "the largest is often step 1's). Divergence: share of runs, Fisher's exact test.", out);
    }

    // ---- claim 5: bf16 mixed precision against fp32 ------------------------------------------

    /** Claim 5's rows for one lower precision against fp32 (none when no run pairs exist). */
    private void lowPrecision(String low, List<Comparison> out) {
        // (fp32, low) so that every effect reads fp32 − low: negative is the lower precision doing worse
        Map<String, List<Cells.Cell[]>> partners = partners("precision", s -> s.precision.equals("fp32"),
                s -> s.precision.equals(low));
        for (Map.Entry<String, List<Cells.Cell[]>> e : withPooled(partners).entrySet()) {
            out.add(pairedRuns(e.getKey() + ": final val loss, fp32 − " + low, e.getValue(), Claims::clamped, "%+.4f"));
            out.add(pairedRuns(e.getKey() + ": log10 max attention logit, fp32 − " + low, e.getValue(),
                    r -> r.maxAttnLogit > 0 && Double.isFinite(r.maxAttnLogit) ? Math.log10(r.maxAttnLogit) : Double.NaN, "%+.3f"));
            List<RunData> fp32 = side(e.getValue(), 0), lows = side(e.getValue(), 1);
            out.add(incidence(e.getKey() + ": runs with a loss spike, fp32 vs " + low, "", fp32, lows, r -> r.lossSpikes > 0));
            out.add(incidence(e.getKey() + ": runs with a gradient explosion, fp32 vs " + low, "", fp32, lows, r -> r.explosions > 0));
            out.add(incidence(e.getKey() + ": runs that diverged, fp32 vs " + low, "", fp32, lows, r -> r.diverged));
        }
        // does the gate's product pay more for low precision than its plain counterpart? (the outlier argument)
        String[][] pairs = {{"reglu", "relu"}, {"geglu", "gelu"}, {"swiglu", "gelu"}};
        for (String[] pr : pairs) {
            List<Cells.Cell[]> glu = partners.get(pr[0]), plain = partners.get(pr[1]);
            if (glu == null || plain == null) continue;
            List<Double> d = new ArrayList<>();
            for (Cells.Cell[] g : glu) {
                for (Cells.Cell[] pl : plain) {
                    if (g[0].layers != pl[0].layers || !g[0].settings.fields().equals(pl[0].settings.fields())) continue;
                    for (RunData gf : g[0].runs) {
                        RunData gb = run(g[1], gf.lr, gf.seed), pf = run(pl[0], gf.lr, gf.seed), pb = run(pl[1], gf.lr, gf.seed);
                        if (gb == null || pf == null || pb == null) continue;
                        double v = (clamped(pb) - clamped(pf)) - (clamped(gb) - clamped(gf));
                        if (Double.isFinite(v)) d.add(v);
                    }
                }
            }
            out.add(paired(low + "'s loss cost (" + low + " − fp32), " + pr[1] + " − " + pr[0], "", "(seed, lr, depth, arm)", d, "%+.4f"));
        }
    }

    private Claim bf16() {
        List<Comparison> out = new ArrayList<>();
        for (spikelab.backend.Precision p : spikelab.backend.Precision.values()) if (p.bf16Inputs()) lowPrecision(p.cliName(), out);
        return new Claim(5, "bf16 products cost stability, GLU FFNs most (per activation)",
                "Pairs are runs that differ only in the products' precision (same activation, depth, lr, seed and other "
                + "settings); \"all activations\" pools them. Every effect is fp32 minus the lower precision (bf16: the "
                + "products' inputs rounded; bf16-autocast: their outputs and the FFN activation's too), so negative means "
                + "the lower precision did worse: a higher final validation loss (min(loss, loss at init) per run), larger attention logits, more "
                + "runs with a loss spike, a gradient explosion or that diverged (Fisher's exact test). The last rows are differences in "
                + "differences, paired by (seed, lr, depth): the lower precision's loss cost for the plain activation minus its cost for "
                + "the GLU; negative means the GLU pays more, as the outlier argument for gated FFNs in low precision "
                + "(Fishman et al. 2024) predicts.", out);
    }

    /**
     * The runs of one side (0 treated, 1 control) of these partner pairs, each once: a control
     * cell can partner several treated cells (several z-loss values, say).
     */
    private static List<RunData> side(List<Cells.Cell[]> pairs, int which) {
        java.util.Set<RunData> runs = new java.util.LinkedHashSet<>();
        for (Cells.Cell[] pc : pairs) runs.addAll(pc[which].runs);
        return new ArrayList<>(runs);
    }

    /** The per-activation partner pairs, preceded by "all activations" pooling them when there are several. */
    private static Map<String, List<Cells.Cell[]>> withPooled(Map<String, List<Cells.Cell[]>> partners) {
        if (partners.size() < 2) return partners;
        List<Cells.Cell[]> all = new ArrayList<>();
        partners.values().forEach(all::addAll);
        Map<String, List<Cells.Cell[]>> pooled = new LinkedHashMap<>();
        pooled.put("all activations", all);
        pooled.putAll(partners);
        return pooled;
    }

    /** Paired differences f(treated) − f(control) of runs matched by lr and seed within each partner pair of cells. */
    private static Comparison pairedRuns(String what, List<Cells.Cell[]> pairs, ToDoubleFunction<RunData> f) {
        return pairedRuns(what, pairs, f, "%+.3f");
    }

    private static Comparison pairedRuns(String what, List<Cells.Cell[]> pairs, ToDoubleFunction<RunData> f, String fmt) {
        List<Double> d = new ArrayList<>();
        for (Cells.Cell[] pc : pairs) {
            for (RunData r : pc[0].runs) {
                RunData o = run(pc[1], r.lr, r.seed);
                if (o == null) continue;
                double v = f.applyAsDouble(r) - f.applyAsDouble(o);
                if (Double.isFinite(v)) d.add(v);
            }
        }
        return paired(what, "", "(seed, lr, depth, arm)", d, fmt);
    }

    /** One seed's LR sensitivity over the given learning rates (all of the cell's when null). */
    static double seedSensitivity(Cells.Cell c, long seed, Set<Double> lrs) {
        return LrSensitivity.of(seedPoints(c, seed, lrs));
    }

    /** One seed's runs of a cell as lr-curve points, at the given learning rates (all when null). */
    static List<LrSensitivity.Point> seedPoints(Cells.Cell c, long seed, Set<Double> lrs) {
        List<LrSensitivity.Point> pts = new ArrayList<>();
        for (RunData r : c.runs) {
            if (r.seed == seed && (lrs == null || lrs.contains(r.lr))) {
                pts.add(new LrSensitivity.Point(r.lr, r.finalValLoss, r.valLossAtInit));
            }
        }
        return pts;
    }

    /**
     * Per activation, the pairs of cells (treated, control) at the same depth whose settings
     * differ only in the given field.
     */
    Map<String, List<Cells.Cell[]>> partners(String field, Predicate<RunSettings> treated,
                                                     Predicate<RunSettings> control) {
        Map<String, List<Cells.Cell[]>> out = new TreeMap<>((x, y) -> Integer.compare(Cells.activationOrder(x), Cells.activationOrder(y)) != 0
                ? Integer.compare(Cells.activationOrder(x), Cells.activationOrder(y)) : x.compareTo(y));
        for (Cells.Cell t : cells.cells) {
            if (!treated.test(t.settings)) continue;
            for (Cells.Cell c : cells.cells) {
                if (c.activation.equals(t.activation) && c.layers == t.layers && control.test(c.settings)
                        && without(t.settings, field).equals(without(c.settings, field))) {
                    out.computeIfAbsent(t.activation, k -> new ArrayList<>()).add(new Cells.Cell[] {t, c});
                }
            }
        }
        return out;
    }

    private static Map<String, String> without(RunSettings s, String field) {
        Map<String, String> m = s.fields();
        m.remove(field);
        return m;
    }

    // ---- common ---------------------------------------------------------------------------

    static Comparison paired(String what, String arm, String pairing, List<Double> diffs, String fmt) {
        double[] d = new double[diffs.size()];
        for (int i = 0; i < d.length; i++) d[i] = diffs.get(i);
        PairedStats s = PairedStats.of(d);
        Comparison c = new Comparison(what, arm, "sign-flip permutation", pairing, s.n, s.mean, s.ciLow, s.ciHigh, s.p,
                s.n == 0 ? "no pairs" : String.format(Locale.ROOT, fmt, s.mean));
        if (s.n > 0) c.ciText = String.format(Locale.ROOT, "[" + fmt + ", " + fmt + "]", s.ciLow, s.ciHigh);
        c.minP = PairedStats.minP(s.n);
        c.sd = s.sd;
        return c;
    }

    /** Arm → activation → depth → cell. */
    private Map<String, Map<String, Map<Integer, Cells.Cell>>> byArm() {
        Map<String, Map<String, Map<Integer, Cells.Cell>>> m = new LinkedHashMap<>();
        for (Cells.Cell c : cells.cells) {
            m.computeIfAbsent(c.arm, k -> new LinkedHashMap<>()).computeIfAbsent(c.activation, k -> new TreeMap<>()).put(c.layers, c);
        }
        return m;
    }

    static TreeSet<Integer> common(Map<Integer, Cells.Cell> a, Map<Integer, Cells.Cell> b) {
        TreeSet<Integer> d = new TreeSet<>(a.keySet());
        d.retainAll(b.keySet());
        return d;
    }

    static TreeSet<Long> seeds(Cells.Cell c) {
        TreeSet<Long> s = new TreeSet<>();
        for (RunData r : c.runs) s.add(r.seed);
        return s;
    }

    static RunData run(Cells.Cell c, double lr, long seed) {
        for (RunData r : c.runs) if (r.lr == lr && r.seed == seed) return r;
        return null;
    }
}
