package spikelab.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How many pairs a paired comparison would need to be decided: the planning figure for the next
 * arm when a report leaves a comparison unresolved. For differences with standard deviation s and
 * a true mean δ, a two-sided test at level α reaches power 1−β with about
 *
 * <pre>  n = (z(1−α/2) + z(1−β))² · (s/δ)² + z(1−α/2)² / 2</pre>
 *
 * pairs: the normal-approximation size plus Guenther's (1981) term for estimating s, which
 * brings it to within a pair of the paired t-test's exact size (d = 0.5 at α 0.05, power 0.8:
 * 34). The report's sign-flip test has about the t-test's power on differences like these, but
 * it cannot go below p = 2/2ⁿ at all, so n is also at least the smallest size where it can.
 * The figure takes the observed mean as the truth; an effect whose CI spans zero may be nil,
 * and then no number of pairs decides it in the claimed direction.
 */
final class SampleSize {
    private SampleSize() {}

    /** Power the planning figure is for. */
    static final double POWER = 0.8;

    /**
     * For every paired comparison left unresolved: how many pairs a new arm would need to decide
     * it, if its true effect were the one observed.
     */
    static void section(StringBuilder sb, List<Claims.Claim> claims) {
        List<Claims.Comparison> open = new ArrayList<>();
        for (Claims.Claim c : claims) {
            for (Claims.Comparison x : c.comparisons) {
                if (x.verdict.equals("unresolved") && x.n >= 2 && Double.isFinite(x.sd) && x.effect != 0) open.add(x);
            }
        }
        if (open.isEmpty()) return;
        int family = Math.max(Claims.holmFamily(claims), 1);
        double strict = Claims.ALPHA / family;
        sb.append("## Pairs to decide the unresolved comparisons\n\n");
        sb.append(String.format(Locale.ROOT, "For each paired comparison above left unresolved: the standard deviation of its "
                + "differences and the pairs a new arm would need for %.0f%% power to find an effect of the observed size, "
                + "at p < %s as one planned test, and at p < %s/%d = %s, the level the smallest p of this report's Holm "
                + "family of %d must pass. Normal approximation with Guenther's (1981) correction (within a pair of the "
                + "paired t-test's size), and never fewer than the sign-flip test needs to reach that level at all. The "
                + "observed effect is taken as the true one, so this plans the next arm and is not evidence: where the CI "
                + "spans zero the effect may be nil, and then no number of pairs decides it; and an SD from a few pairs is itself "
                + "rough. Where a cell's lr is chosen on a held-out seed, that seed comes on top.%n%n",
                100 * POWER, Claims.ALPHA, Claims.ALPHA, family, level(strict), family));
        sb.append("| comparison | arm | pairs | effect | SD of differences | pairs needed, p < " + Claims.ALPHA
                + " | pairs needed, p < " + level(strict) + " |\n");
        sb.append("|---|---|---:|---|---:|---:|---:|\n");
        for (Claims.Comparison x : open) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %.3g | %s | %s |%n", x.what,
                    x.arm.isEmpty() ? "—" : x.arm, x.n, x.effectText, x.sd,
                    pairsText(pairs(x.sd, x.effect, Claims.ALPHA, POWER)),
                    pairsText(pairs(x.sd, x.effect, strict, POWER))));
        }
        sb.append('\n');
    }

    /** A significance level to two significant digits, without trailing zeros (0.05, 0.0056). */
    private static String level(double a) {
        return new BigDecimal(a).round(new MathContext(2)).stripTrailingZeros().toPlainString();
    }

    private static String pairsText(int n) {
        return n > 1_000_000 ? "over 1,000,000" : String.format(Locale.ROOT, "%,d", n);
    }

    /**
     * Pairs needed to detect a mean difference {@code effect} with per-pair SD {@code sd} at
     * two-sided level {@code alpha} with the given power; -1 when effect is 0 or not finite.
     */
    static int pairs(double sd, double effect, double alpha, double power) {
        if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) {
            throw new IllegalArgumentException("alpha and power must lie in (0, 1), got " + alpha + " and " + power);
        }
        if (!Double.isFinite(sd) || !Double.isFinite(effect) || effect == 0 || sd < 0) return -1;
        double za = normalQuantile(1 - alpha / 2), zb = normalQuantile(power);
        double ratio = sd / Math.abs(effect);
        int n = (int) Math.ceil((za + zb) * (za + zb) * ratio * ratio + za * za / 2);
        return Math.max(Math.max(n, 2), smallestSignFlipN(alpha));
    }

    /** The fewest pairs whose sign-flip test can give p < alpha (2/2ⁿ < alpha). */
    static int smallestSignFlipN(double alpha) {
        int n = 1;
        while (2.0 / Math.pow(2, n) >= alpha) n++;
        return n;
    }

    /** Φ⁻¹(p), the standard normal quantile, by bisection on {@link #normalCdf} (to ~1e-12 in x). */
    static double normalQuantile(double p) {
        if (!(p > 0 && p < 1)) throw new IllegalArgumentException("a probability in (0, 1) is needed, got " + p);
        double lo = -40, hi = 40;
        for (int i = 0; i < 100; i++) {
            double mid = 0.5 * (lo + hi);
            if (normalCdf(mid) < p) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /**
     * Φ(x) = erfc(−x/√2)/2, with erfc from its continued fraction in the tails (|x| above about
     * 3.1, where the series would lose digits) and from the Taylor series of erf nearer 0.
     */
    static double normalCdf(double x) {
        double t = Math.abs(x) / Math.sqrt(2);
        double upper; // P(Z > |x|) = erfc(t)/2
        if (t < 2.2) {
            // erf(t) = 2/√π Σ (−1)^k t^(2k+1) / (k! (2k+1))
            double term = t, sum = t;
            for (int k = 1; k < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
                term *= -t * t / k;
                sum += term / (2 * k + 1);
            }
            upper = 0.5 * (1 - 2 / Math.sqrt(Math.PI) * sum);
        } else {
            // erfc(t) = e^(−t²)/√π · 1/(t + (1/2)/(t + 1/(t + (3/2)/(t + 2/(t + ...))))), evaluated from the tail
            double f = t;
            for (int k = 60; k >= 1; k--) f = t + (k / 2.0) / f;
            upper = 0.5 * Math.exp(-t * t) / Math.sqrt(Math.PI) / f;
        }
        return x >= 0 ? 1 - upper : upper;
    }
}
