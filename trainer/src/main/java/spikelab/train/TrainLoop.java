package spikelab.train;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import ai.djl.training.util.ProgressBar;
import com.google.gson.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import spikelab.backend.Backend;
import spikelab.data.BatchSampler;
import spikelab.data.TokenDataset;
import spikelab.model.Parameter;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;
import spikelab.optim.LrSchedule;
import spikelab.optim.TrainStep;
import spikelab.run.Json;
import spikelab.run.RunWriter;
import spikelab.stability.Event;
import spikelab.stability.Outcome;
import spikelab.stability.StabilityMonitor;

/** The step loop of one run and its per-step measurements (DESIGN §3). */
final class TrainLoop {
    private static final Logger log = LoggerFactory.getLogger(TrainLoop.class);

    private final TrainOptions opt;
    private final Transformer model;
    private final Backend be;
    private final LrSchedule schedule;
    private final RunWriter out;
    private final AtomicBoolean stop;
    private final BatchSampler sampler;
    private final Evaluator evaluator;
    private final int layers;
    private final int[] paramLayer;
    private final TrainStep trainStep;
    private final int tokensPerStep;
    private final Checkpointing ckpt;
    private final Checkpoint.State resumed;
    private final double unigramEntropy;

    TrainLoop(TrainOptions opt, TokenDataset data, Transformer model, AdamW adam, LrSchedule schedule,
              RunWriter out, AtomicBoolean stop, Checkpointing ckpt, Checkpoint.State resumed) {
        this.ckpt = ckpt;
        this.resumed = resumed;
        this.opt = opt;
        this.model = model;
        this.be = model.backend();
        this.schedule = schedule;
        this.out = out;
        this.stop = stop;
        this.sampler = new BatchSampler(data.train(), opt.batch, opt.context, opt.seed);
        this.evaluator = new Evaluator(model, data, opt.evalBatches, opt.dataSeed);   // same held-out batches for every --seed
        this.layers = model.config().layers();
        List<Parameter> ps = model.parameters();
        paramLayer = new int[ps.size()];
        for (int i = 0; i < ps.size(); i++) paramLayer[i] = ps.get(i).layer();
        trainStep = new TrainStep(model, adam, opt.clip, true);
        tokensPerStep = opt.batch * opt.context;
        // the one place the loop reads the training tokens themselves
        unigramEntropy = data.unigramEntropyNats();
    }

    JsonObject run() {
        Summary summary = new Summary(opt, model, unigramEntropy);
        StabilityMonitor stability = new StabilityMonitor(new StabilityMonitor.Settings(model.config().vocabSize(),
                opt.warmup, opt.divergePatience, opt.spikeRule, opt.spikeWindow, opt.spikeThreshold, opt.explosionFactor, opt.steps));
        int[] in = new int[tokensPerStep], tg = new int[tokensPerStep];
        int step = 0;
        long trainNanos = 0;
        double elapsedBefore = 0;
        if (resumed != null) {
            JsonObject ls = resumed.loopState();
            CheckpointResume.replayStability(out.dir(), resumed.step(), stability);
            summary.restore(ls.getAsJsonObject("summary"));
            trainNanos = ls.get("train_nanos").getAsLong();
            elapsedBefore = ls.get("elapsed_s").getAsDouble();
            sampler.restore(resumed.samplerState());
            step = resumed.step();
            log.info("resumed at step {} of {}", step, opt.steps);
        } else {
            double valAtInit = evaluator.validationLoss();
            summary.valLossAtInit = valAtInit;
            log.info("step 0: val loss {}", fmt(valAtInit));
        }
        int end = opt.stopAfter == null ? opt.steps : Math.min(opt.steps, opt.stopAfter);
        boolean divergedStop = false;

        boolean bar = System.console() != null && !opt.noProgress;
        ProgressBar progress = bar ? new ProgressBar("training", opt.steps) : null;
        long t0 = System.nanoTime();
        // The stop flag is read once per step: a Ctrl-C that lands after this step's 'last' was decided
        // must not end the loop before that step's evaluation (CheckpointSignalTest caught that race).
        boolean stopping = stop.get();
        // The summary as the schedule alone left it, when the run stops between scheduled evaluations
        // and probes: the stop-step measurement goes into this run's summary.json but not into its
        // checkpoint, so a resumed run ends with what an uninterrupted one reports (a stop-step
        // validation loss would otherwise stay in best_val_loss, and a probe in the probes' maxima).
        JsonObject scheduledSummary = null;
        while (step < end && !stopping) {
            step++;
            long s0 = System.nanoTime();
            sampler.next(in, tg);
            float lr = schedule.lr(step);
            TrainStep.Result r = trainStep.run(in, tg, lr);
            float loss = r.loss();
            double[] sq = r.paramGradSquares();
            double[] layerSq = new double[layers];
            for (int i = 0; i < sq.length; i++) {
                if (paramLayer[i] >= 0) layerSq[paramLayer[i]] += sq[i];
            }
            double gradNorm = r.gradNorm();
            boolean clipped = r.clipped();
            double updateRatio = r.updateRatio();
            float[] maxLogit = r.maxAttentionLogit();
            double logZMean = r.logZMean();
            long stepNanos = System.nanoTime() - s0;
            trainNanos += stepNanos;

            JsonObject m = new JsonObject();
            m.addProperty("step", step);
            Json.put(m, "loss", loss);
            Json.put(m, "lr", lr);
            Json.put(m, "grad_norm", gradNorm);
            m.addProperty("clipped", clipped);
            Json.put(m, "update_ratio", updateRatio);
            double[] layerNorms = new double[layers];
            for (int l = 0; l < layers; l++) layerNorms[l] = Math.sqrt(layerSq[l]);
            m.add("layer_grad_norms", Json.numbers(layerNorms));
            double[] ml = new double[layers];
            for (int l = 0; l < layers; l++) ml[l] = maxLogit[l];
            m.add("max_attn_logit", Json.numbers(ml));
            Json.put(m, "logz_mean", logZMean);
            StabilityMonitor.StepFlags flags = stability.observe(step, loss, gradNorm);
            for (Event e : flags.events) out.event(e.toJson());
            m.addProperty("loss_spike", flags.lossSpike);
            m.addProperty("grad_spike", flags.gradSpike);
            m.addProperty("explosion", flags.explosion);
            double tps = tokensPerStep / (stepNanos / 1e9);
            Json.put(m, "tokens_per_s", Math.round(tps));
            summary.observeStep(step, loss, ml);

            stopping = stop.get();
            boolean last = step == end || flags.diverged || stopping;
            boolean evalDue = step % opt.evalEvery == 0, probeDue = step % opt.probeEvery == 0;
            if (evalDue) measureVal(m, summary);
            if (probeDue) measureProbe(m, summary);
            if (last && !(evalDue && probeDue)) {
                // the last step is always measured; a stop before the planned end snapshots first
                if (step < opt.steps) scheduledSummary = summary.state();
                if (!evalDue) measureVal(m, summary);
                if (!probeDue) measureProbe(m, summary);
            }
            Json.put(m, "elapsed_s", elapsedBefore + (System.nanoTime() - t0) / 1e9);
            out.metric(m);
            if (ckpt.due(step)) {
                ckpt.save(step, sampler.state(), loopState(summary, scheduledSummary, trainNanos,
                        elapsedBefore + (System.nanoTime() - t0) / 1e9));
            }

            if (progress != null) {
                progress.update(step, String.format("loss %.4f  %,.0f tok/s", loss, tps));
            } else if (step % opt.logEvery == 0 || step == 1 || last) {
                log.info("step {}/{}: loss {}  lr {}  grad norm {}  {} tok/s{}", step, opt.steps, fmt(loss),
                        String.format("%.2e", lr), fmt(gradNorm), String.format("%,.0f", tps),
                        m.has("val_loss") ? "  val loss " + fmt(m.get("val_loss").getAsDouble()) : "");
            }
            if (flags.diverged) {
                summary.diverged(step);
                if (!opt.continueOnDivergence) {
                    log.warn("diverged at step {} (loss {}{}): stopping; pass --continue-on-divergence to keep going", step, fmt(loss),
                            Double.isFinite(loss) ? ", above ln(V)+1 for " + opt.divergePatience + " steps in a row" : "");
                    divergedStop = true;
                    break;
                }
            }
        }
        if (progress != null) {
            if (step >= opt.steps) progress.end();
            else System.out.println();   // end() would draw 100%: leave the bar where the run stopped
        }
        boolean interrupted = step < opt.steps && !divergedStop;
        double elapsed = elapsedBefore + (System.nanoTime() - t0) / 1e9;
        ckpt.save(step, sampler.state(), loopState(summary, scheduledSummary, trainNanos, elapsed));
        if (interrupted) {
            log.warn("stopped at step {} of {}: continue with --resume {}", step, opt.steps, out.dir());
        }
        summary.finish(step, interrupted, stability.summary(), trainNanos, elapsed, tokensPerStep, be.name());
        return summary.toJson();
    }

    private void measureVal(JsonObject m, Summary summary) {
        double val = evaluator.validationLoss();
        Json.put(m, "val_loss", val);
        summary.observeVal(val);
    }

    private void measureProbe(JsonObject m, Summary summary) {
        Evaluator.Probe probe = evaluator.probe(summary.deadUnits);
        m.add("dead_fraction", Json.numbers(probe.deadFractions()));
        m.add("ffn_outlier_ratio", Json.numbers(probe.outlierRatios()));
        summary.observeProbe(probe);
    }

    /** What a resumed loop needs besides weights, moments and the sampler (see Checkpointing). */
    private static JsonObject loopState(Summary summary, JsonObject scheduledSummary, long trainNanos, double elapsed) {
        JsonObject o = new JsonObject();
        o.add("summary", scheduledSummary != null ? scheduledSummary : summary.state());
        o.addProperty("train_nanos", trainNanos);
        o.addProperty("elapsed_s", elapsed);
        return o;
    }

    static String fmt(double v) {
        return Double.isFinite(v) ? String.format("%.4f", v) : String.valueOf(v);
    }
}
