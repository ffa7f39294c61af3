package spikelab.stability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;

/**
 * The DESIGN §3 per-step detectors behind one call: the trainer hands over each step's loss and
 * global gradient norm (before clipping) and gets back the metrics.jsonl flags and the events
 * to append to events.jsonl; {@link #summary()} gives the summary.json counts and scores.
 * Loss and gradient spikes use the same rule, window and threshold; the explosion test shares
 * the window and its fill rule.
 */
public final class StabilityMonitor {
    /**
     * @param vocabSize       V, for the ln(V)+1 divergence bound
     * @param warmup          warm-up steps, exempt from the ln(V)+1 bound
     * @param patience        consecutive steps above ln(V)+1 that make a divergence
     * @param rule            spike rule: "robust" or "meanstd"
     * @param window          W of the spike and explosion rules (DESIGN default 100; OLMo 2 uses 1000)
     * @param k               spike threshold in (robust) standard deviations (default 6; OLMo 2 uses 7)
     * @param explosionFactor k_g of the explosion rule (default 10)
     * @param plannedSteps    the run's planned length, which caps how many values the rules wait for
     */
    public record Settings(int vocabSize, int warmup, int patience, String rule, int window, double k,
                           double explosionFactor, int plannedSteps) {}

    /** The flags of one step plus the events it produced, in the order they should be written. */
    public static final class StepFlags {
        /** diverged: the run was declared diverged at this very step. */
        public final boolean lossSpike, gradSpike, explosion, diverged;
        public final List<Event> events;

        StepFlags(boolean lossSpike, boolean gradSpike, boolean explosion, boolean diverged, List<Event> events) {
            this.lossSpike = lossSpike;
            this.gradSpike = gradSpike;
            this.explosion = explosion;
            this.diverged = diverged;
            this.events = Collections.unmodifiableList(events);
        }
    }

    /** Counts and scores for summary.json. */
    public static final class Summary {
        public final int lossSpikes, gradSpikes, explosions, lossEligible, gradEligible, divergedStep, aboveBoundSteps;
        public final double lossSpikeScore, gradSpikeScore;
        public final String rule;

        Summary(StabilityMonitor m) {
            lossSpikes = m.loss.spikes();
            gradSpikes = m.grad.spikes();
            explosions = m.explosion.explosions();
            lossEligible = m.loss.eligible();
            gradEligible = m.grad.eligible();
            lossSpikeScore = m.loss.score();
            gradSpikeScore = m.grad.score();
            divergedStep = m.divergence.divergedStep();
            aboveBoundSteps = m.aboveBound;
            rule = m.loss.rule();
        }

        public boolean diverged() { return divergedStep >= 0; }

        /**
         * Adds the seams' summary.json keys (loss_spikes, grad_spikes, explosions,
         * loss_spike_score, grad_spike_score), how many steps each score is over, so a score of
         * 0 from a run shorter than the window can be told apart from a calm run, the rule that
         * made them, and how many steps had a loss above ln(V)+1 after warm-up.
         */
        public void addTo(JsonObject o) {
            o.addProperty("loss_spikes", lossSpikes);
            o.addProperty("grad_spikes", gradSpikes);
            o.addProperty("explosions", explosions);
            o.addProperty("loss_spike_score", lossSpikeScore);
            o.addProperty("grad_spike_score", gradSpikeScore);
            o.addProperty("loss_spike_eligible_steps", lossEligible);
            o.addProperty("grad_spike_eligible_steps", gradEligible);
            o.addProperty("spike_rule", rule);
            o.addProperty("loss_above_bound_steps", aboveBoundSteps);
        }
    }

    private final SpikeDetector loss, grad;
    private final ExplosionDetector explosion;
    private final DivergenceDetector divergence;
    private int lastStep, aboveBound;

    public StabilityMonitor(Settings s) {
        int min = SpikeDetector.minValues(s.window(), s.plannedSteps());
        loss = SpikeDetector.create(s.rule(), s.window(), s.k(), min);
        grad = SpikeDetector.create(s.rule(), s.window(), s.k(), min);
        explosion = new ExplosionDetector(s.window(), s.explosionFactor(), min);
        divergence = new DivergenceDetector(s.vocabSize(), s.warmup(), s.patience());
    }

    /** Judges one step; steps must be observed in increasing order. */
    public StepFlags observe(int step, double lossValue, double gradNorm) {
        if (step <= lastStep) throw new IllegalArgumentException("steps must increase: got " + step + " after " + lastStep);
        lastStep = step;
        List<Event> events = new ArrayList<>(3);
        SpikeDetector.Check l = loss.observe(lossValue);
        if (l.spike) events.add(new Event(step, Event.LOSS_SPIKE, lossValue, l.stats));
        SpikeDetector.Check g = grad.observe(gradNorm);
        if (g.spike) events.add(new Event(step, Event.GRAD_SPIKE, gradNorm, g.stats));
        ExplosionDetector.Check e = explosion.observe(gradNorm);
        if (e.explosion) {
            Map<String, Double> s = new LinkedHashMap<>();
            if (!Double.isNaN(e.median)) {
                s.put("median", e.median);
                s.put("threshold", e.threshold);
            }
            events.add(new Event(step, Event.EXPLOSION, gradNorm, s));
        }
        boolean wasDiverged = divergence.diverged();
        DivergenceDetector.Verdict v = divergence.observe(step, lossValue);
        if (divergence.streak() > 0) aboveBound++;
        Map<String, Double> ds = new LinkedHashMap<>();
        ds.put("threshold", divergence.threshold());
        ds.put("streak", (double) divergence.streak());
        // a run told to continue past divergence reports the divergence once, where it was declared
        boolean declared = v == DivergenceDetector.Verdict.DIVERGED && !wasDiverged;
        if (declared) events.add(new Event(step, Event.DIVERGENCE, lossValue, ds));
        else if (v != DivergenceDetector.Verdict.FINE && Double.isFinite(lossValue)) events.add(new Event(step, Event.LOSS_ABOVE_BOUND, lossValue, ds));
        return new StepFlags(l.spike, g.spike, e.explosion, declared, events);
    }

    public Summary summary() { return new Summary(this); }
}
