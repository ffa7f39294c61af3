package spikelab.cli;

import java.util.concurrent.Callable;

import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import spikelab.train.TrainOptions;
import spikelab.train.Trainer;

/** {@code spikelab train}: one run, written to a run directory. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model and write runs/<name>/ (config.json, metrics.jsonl, events.jsonl, summary.json).")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    TrainOptions options = new TrainOptions();

    public TrainOptions options() { return options; }

    @Override
    public Integer call() {
        Trainer trainer = new Trainer(options);
        JsonObject s = trainer.run();
        System.out.printf("%s: %d/%d steps, final val loss %s, best %s, %s%n",
                s.get("name").getAsString(), s.get("steps_completed").getAsInt(), s.get("steps_planned").getAsInt(),
                loss(s, "final_val_loss"), loss(s, "best_val_loss"),
                s.get("diverged").getAsBoolean() ? "DIVERGED at step " + s.get("diverged_step") : "outcome " + s.get("outcome").getAsString());
        return trainer.signalled() ? 130 : 0;   // 128 + SIGINT; --stop-after is a requested end
    }

    /**
     * A loss as a plain number (summary.json writes non-finite values as strings): NaN for a
     * diverged run, "none" where the run stopped before a finite evaluation.
     */
    static String loss(JsonObject s, String key) {
        double v = s.has(key) ? spikelab.run.Json.toDouble(s.get(key)) : Double.NaN;
        boolean diverged = s.has("diverged") && s.get("diverged").getAsBoolean();
        if (Double.isNaN(v)) return diverged ? "NaN" : "none";
        return Double.isInfinite(v) ? String.valueOf(v) : String.format("%.4f", v);
    }
}
