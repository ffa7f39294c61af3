package spikelab.report;

import static spikelab.report.Claims.paired;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import spikelab.report.Claims.Claim;
import spikelab.report.Claims.Comparison;

/**
 * Claim 10, claim 9's follow-up: is the GLU's shrinking loss advantage a matter of depth or of
 * size? Arms that differ only in d_model are compared at the same depth (width alone) and where a
 * wider, shallower model has the parameters of a narrower, deeper one (depth against size at equal
 * size: d64 × 8 layers and d128 × 2 both have ~0.41M).
 */
final class WidthClaim {
    /** Parameter counts within this relative distance count as matched. */
    static final double MATCH = 0.05;

    private WidthClaim() {}

    /** @param arms arm → activation → depth → cell, as the other claims take them */
    static Claim depthNotSize(Map<String, Map<String, Map<Integer, Cells.Cell>>> arms) {
        List<Comparison> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, Map<Integer, Cells.Cell>>> wide : arms.entrySet()) {
            for (Map.Entry<String, Map<String, Map<Integer, Cells.Cell>>> narrow : arms.entrySet()) {
                RunSettings sw = settings(wide.getValue()), sn = settings(narrow.getValue());
                if (sw == null || sn == null || sw.dModel <= sn.dModel || !withoutWidth(sw).equals(withoutWidth(sn))) continue;
                String arm = withoutWidth(wide.getKey(), sw.dModel);
                for (String[] pr : GluClaims.PAIRS) {
                    Map<Integer, Cells.Cell> gw = wide.getValue().get(pr[0]), pw = wide.getValue().get(pr[1]);
                    Map<Integer, Cells.Cell> gn = narrow.getValue().get(pr[0]), pn = narrow.getValue().get(pr[1]);
                    if (gw == null || pw == null || gn == null || pn == null) continue;
                    for (int dw : Claims.common(gw, pw)) {
                        for (int dn : Claims.common(gn, pn)) {
                            compare(pr[0] + " − " + pr[1], arm, new Cells.Cell[] {gw.get(dw), pw.get(dw)},
                                    new Cells.Cell[] {gn.get(dn), pn.get(dn)}, out);
                        }
                    }
                }
            }
        }
        return new Claim(10, "Depth, not size, shrinks the GLU variants' loss advantage: at matched parameters a wider, "
                + "shallower model keeps a larger lead than a narrower, deeper one, and width alone does not shrink it "
                + "(reglu vs relu, geglu vs gelu, swiglu vs gelu)", "This study's own follow-up to claim 9, planned "
                + "2026-12-07 before its width arms ran. Arms are compared that differ only in d_model. Per seed, the "
                + "difference is claim 1's (GLU minus plain, each at its own lr, min(loss, loss at init) per run); the "
                + "effect is that difference in the wider model minus in the narrower one, paired by seed: at the same depth "
                + "(width alone), and wherever the wider model is shallower and the plain FFNs' parameter counts agree "
                + "within " + Math.round(100 * MATCH) + "% (depth against size at equal size). Negative: the wider model "
                + "keeps the larger lead, which is what the claim predicts of the matched rows; a positive same-depth row "
                + "(width shrinks the lead too) counts against it. Where a cell ran several learning rates, each cell's lr "
                + "is chosen on the lowest seed all four cells share, and that seed is left out.", out);
    }

    private static void compare(String what, String arm, Cells.Cell[] wide, Cells.Cell[] narrow, List<Comparison> out) {
        int dw = wide[0].layers, dn = narrow[0].layers;
        double pw = wide[1].runs.get(0).parameterCount, pn = narrow[1].runs.get(0).parameterCount;
        boolean matched = dw < dn && pw > 0 && pn > 0 && Math.abs(pw / pn - 1) <= MATCH;
        if (dw != dn && !matched) return;
        LossGaps g = LossGaps.of(List.of(wide, narrow));
        if (g == null) return;
        List<Double> d = new ArrayList<>();
        for (Map.Entry<Long, Double> e : g.bySeed.get(0).entrySet()) {
            Double n = g.bySeed.get(1).get(e.getKey());
            if (n != null) d.add(e.getValue() - n);
        }
        if (d.isEmpty()) return;
        int cw = wide[0].settings.dModel, cn = narrow[0].settings.dModel;
        String label = dw == dn
                ? String.format(Locale.ROOT, "%s: loss difference, d%d − d%d, %d layers", what, cw, cn, dw)
                : String.format(Locale.ROOT, "%s: loss difference, d%d × %d layers − d%d × %d layers (parameters %s vs %s)",
                        what, cw, dw, cn, dn, thousands(pw), thousands(pn));
        out.add(paired(label, arm, g.pairing(), d, "%+.4f"));
    }

    private static RunSettings settings(Map<String, Map<Integer, Cells.Cell>> arm) {
        for (Map<Integer, Cells.Cell> byDepth : arm.values()) for (Cells.Cell c : byDepth.values()) return c.settings;
        return null;
    }

    private static Map<String, String> withoutWidth(RunSettings s) {
        Map<String, String> m = s.fields();
        m.remove("d_model");
        return m;
    }

    /** The arm's label without its width ("d128, no qk-norm" → "no qk-norm"). */
    private static String withoutWidth(String arm, int dModel) {
        List<String> parts = new ArrayList<>(List.of(arm.split(", ")));
        parts.remove("d" + dModel);
        return String.join(", ", parts);
    }

    private static String thousands(double n) {
        return n >= 1e6 ? String.format(Locale.ROOT, "%.2fM", n / 1e6) : String.format(Locale.ROOT, "%.0fk", n / 1e3);
    }
}
