package spikelab.train;

import java.nio.file.Path;

import com.google.gson.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import spikelab.io.SafeTensors;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;

/**
 * When and what the training loop checkpoints: every {@code --checkpoint-every} steps, and once
 * more where the run stops (end, {@code --stop-after}, Ctrl-C, divergence). A state with
 * non-finite weights or moments is never written, so a diverged run keeps its last finite
 * checkpoint.
 *
 * <p>Both files go into a step directory that one atomic rename of a pointer commits
 * ({@link CheckpointDir}), so a kill at any instant leaves a complete pair to resume from. Both
 * still carry the step, and resuming refuses a pair whose steps differ.
 */
final class Checkpointing {
    private static final Logger log = LoggerFactory.getLogger(Checkpointing.class);

    private final TrainOptions opt;
    private final Path dir;
    private final Transformer model;
    private final AdamW adam;
    private final String tokenizerSpec;
    private int lastSaved = -1;
    private boolean warnedNonFinite;

    Checkpointing(TrainOptions opt, Path dir, Transformer model, AdamW adam, String tokenizerSpec) {
        this.opt = opt;
        this.dir = dir;
        this.model = model;
        this.adam = adam;
        this.tokenizerSpec = tokenizerSpec;
    }

    boolean due(int step) {
        return opt.checkpointEvery > 0 && step % opt.checkpointEvery == 0;
    }

    /**
     * Writes both files for {@code step} unless already written for it or not finite.
     * {@code loopState} is the measurement state the loop needs to continue identically.
     */
    void save(int step, long[] samplerState, JsonObject loopState) {
        if (step == lastSaved) return;
        if (!Checkpoint.allFinite(model.backend(), model.params())
                || !Checkpoint.allFinite(model.backend(), adam.m())
                || !Checkpoint.allFinite(model.backend(), adam.v())) {
            if (!warnedNonFinite) {
                log.warn("step {}: weights or optimizer moments are not finite; not checkpointing, {} keeps {}",
                        step, dir.resolve(Checkpoint.MODEL_FILE),
                        lastSaved >= 0 ? "step " + lastSaved : "the last finite checkpoint, if any");
                warnedNonFinite = true;
            }
            return;
        }
        CheckpointDir.save(dir, step, (modelFile, stateFile) -> {
            Checkpoint.saveState(stateFile, model, adam, step, samplerState, loopState);
            Checkpoint.saveModel(modelFile, model, tokenizerSpec, step);
        });
        lastSaved = step;
        log.debug("checkpoint at step {} written to {}", step, dir);
    }

    /**
     * Loads weights, moments and the rest from the run directory into the freshly built model
     * and optimizer, checking that both files are of one step and of this model.
     */
    Checkpoint.State resume() {
        Path pair = CheckpointDir.current(dir);
        if (pair == null) {
            throw new spikelab.run.UserError("cannot resume " + dir + ": it has no checkpoint (the run wrote none): start a new run");
        }
        Checkpoint.State state = Checkpoint.loadState(pair.resolve(Checkpoint.STATE_FILE), model, adam);
        try (SafeTensors st = Checkpoint.openModel(pair.resolve(Checkpoint.MODEL_FILE))) {
            Checkpoint.Meta meta = Checkpoint.meta(st);
            if (meta.step() != state.step()) {
                throw new spikelab.run.UserError("cannot resume " + dir + ": " + Checkpoint.MODEL_FILE + " is at step "
                        + meta.step() + " but " + Checkpoint.STATE_FILE + " at step " + state.step()
                        + " (a checkpoint write was cut off): start a new run");
            }
            if (!meta.tokenizerSpec().equals(tokenizerSpec)) {
                throw new spikelab.run.UserError("cannot resume " + dir + ": the data's tokenizer differs from the "
                        + "checkpoint's (was the --data file changed?): resume with the original data");
            }
            Checkpoint.loadWeights(st, model);
        }
        lastSaved = state.step();
        return state;
    }
}
