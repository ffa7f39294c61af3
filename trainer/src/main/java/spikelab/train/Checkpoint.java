package spikelab.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import spikelab.backend.Backend;
import spikelab.backend.Tensor;
import spikelab.run.UserError;
import spikelab.io.SafeTensors;
import spikelab.io.SafeTensorsException;
import spikelab.io.SafeTensorsWriter;
import spikelab.model.Activation;
import spikelab.model.ModelConfig;
import spikelab.model.Norm;
import spikelab.model.Parameter;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;
import spikelab.run.Json;

/**
 * The two checkpoint files of a run (docs/checkpoint-format.md):
 * {@code model.safetensors} holds the weights under their {@link Parameter#name()} plus the model
 * config and tokenizer in its metadata, so it alone is enough to generate text, in Java or Python;
 * {@code train_state.safetensors} holds what resuming needs besides: the AdamW moments, the step
 * and the batch sampler's generator state, and the loop's measurement state as JSON.
 *
 * <p>Every problem with a file surfaces as a {@link UserError} naming the file and what is wrong.
 */
public final class Checkpoint {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String STATE_FILE = "train_state.safetensors";
    /** Bumped when the meaning of the files changes; readers refuse other versions. */
    public static final String FORMAT = "spikelab-checkpoint-1";

    static final String KEY_FORMAT = "spikelab.format";
    static final String KEY_CONFIG = "spikelab.model_config";
    static final String KEY_TOKENIZER = "spikelab.tokenizer";
    static final String KEY_STEP = "spikelab.step";
    static final String KEY_LOOP = "spikelab.loop_state";

    private Checkpoint() {}

    /** What model.safetensors says about itself. */
    public record Meta(ModelConfig config, String tokenizerSpec, int step) {}

    /** What train_state.safetensors restores besides the tensors it loads into the optimizer. */
    public record State(int step, long[] samplerState, JsonObject loopState) {}

    // ---- weights ----------------------------------------------------------------------------

    /** Writes the weights atomically; the old file stays if anything fails. */
    public static void saveModel(Path file, Transformer model, String tokenizerSpec, int step) {
        float[] host = download(model.backend(), model.params());
        SafeTensorsWriter w = new SafeTensorsWriter()
                .metadata("format", "pt")   // what Python loaders that check it expect
                .metadata(KEY_FORMAT, FORMAT)
                .metadata(KEY_CONFIG, Json.GSON.toJson(configJson(model.config())))
                .metadata(KEY_TOKENIZER, tokenizerSpec)
                .metadata(KEY_STEP, Integer.toString(step));
        long base = model.params().offset();
        for (Parameter p : model.parameters()) {
            w.addF32(p.name(), host, Math.toIntExact(p.value().offset() - base), p.shape().getShape());
        }
        write(w, file);
    }

    /** Opens a model checkpoint: {@code path} is the file or a run directory holding it. */
    public static SafeTensors openModel(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(MODEL_FILE) : path;
        if (!Files.exists(file)) {
            throw new UserError("checkpoint " + file + " does not exist: pass a model.safetensors written by "
                    + "spikelab train, or the run directory holding it");
        }
        return open(file);
    }

    /** Reads the config, tokenizer and step from a model checkpoint's metadata. */
    public static Meta meta(SafeTensors st) {
        String format = st.metadata().get(KEY_FORMAT);
        if (!FORMAT.equals(format)) {
            throw new UserError(st.label() + " is not a spikelab checkpoint (" + KEY_FORMAT + " is "
                    + (format == null ? "missing" : "'" + format + "'") + ", expected '" + FORMAT + "')");
        }
        ModelConfig cfg = configFromJson(st.label(), requireMeta(st, KEY_CONFIG));
        return new Meta(cfg, requireMeta(st, KEY_TOKENIZER), parseStep(st, requireMeta(st, KEY_STEP)));
    }

    /**
     * Loads weights into {@code model}, first checking that the checkpoint was made for the same
     * architecture, so a mismatch is reported as the option that differs rather than as a shape.
     */
    public static void loadWeights(SafeTensors st, Transformer model) {
        Meta meta = meta(st);
        requireSameConfig(st.label(), meta.config(), model.config());
        if (meta.config().norm() == Norm.POST && st.contains("ln_f.weight")) {
            throw new UserError(st.label() + " is a post-LN model from before post-LN dropped its final LayerNorm "
                    + "(it holds ln_f): this version cannot run it, retrain it (or use the spikelab version that wrote it)");
        }
        requireSameNames(st, model.parameters(), "");
        float[] host = new float[Math.toIntExact(model.params().size())];
        long base = model.params().offset();
        for (Parameter p : model.parameters()) {
            float[] w = floats(st, p.name(), p.shape().getShape());
            System.arraycopy(w, 0, host, Math.toIntExact(p.value().offset() - base), w.length);
        }
        model.backend().upload(model.params(), host);
    }

    // ---- training state ---------------------------------------------------------------------

    public static void saveState(Path file, Transformer model, AdamW adam, int step, long[] samplerState,
                                 JsonObject loopState) {
        Backend be = model.backend();
        float[] m = download(be, adam.m()), v = download(be, adam.v());
        SafeTensorsWriter w = new SafeTensorsWriter()
                .metadata(KEY_FORMAT, FORMAT)
                .metadata(KEY_STEP, Integer.toString(step))
                .metadata(KEY_LOOP, Json.GSON.toJson(loopState))
                .addI64("optim.step", new long[] {adam.step()}, 1)
                .addI64("sampler.rng", samplerState.clone(), samplerState.length);
        long base = model.params().offset();
        for (Parameter p : model.parameters()) {
            int off = Math.toIntExact(p.value().offset() - base);
            w.addF32("optim.m." + p.name(), m, off, p.shape().getShape());
            w.addF32("optim.v." + p.name(), v, off, p.shape().getShape());
        }
        write(w, file);
    }

    /** Loads the AdamW moments and step into {@code adam}; returns the rest. */
    public static State loadState(Path file, Transformer model, AdamW adam) {
        if (!Files.exists(file)) {
            throw new UserError("cannot resume: " + file + " is missing (the run wrote no checkpoint, "
                    + "or it was deleted): start a new run");
        }
        try (SafeTensors st = open(file)) {
            String format = st.metadata().get(KEY_FORMAT);
            if (!FORMAT.equals(format)) {
                throw new UserError(st.label() + " is not a spikelab training state (" + KEY_FORMAT + " is "
                        + (format == null ? "missing" : "'" + format + "'") + ", expected '" + FORMAT + "')");
            }
            int step = parseStep(st, requireMeta(st, KEY_STEP));
            JsonObject loop;
            try {
                loop = JsonParser.parseString(requireMeta(st, KEY_LOOP)).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new UserError(st.label() + ": metadata " + KEY_LOOP + " is not a JSON object: the file is corrupt");
            }
            requireSameNames(st, model.parameters(), "optim.m.", "optim.v.", "optim.step", "sampler.rng");
            long optimStep = longs(st, "optim.step", 1)[0];
            if (optimStep != step) {
                throw new UserError(st.label() + ": optimizer step " + optimStep + " differs from the checkpoint step "
                        + step + ": the file is corrupt");
            }
            long[] rng = longs(st, "sampler.rng", 4);
            Backend be = model.backend();
            float[] m = new float[Math.toIntExact(model.params().size())], v = new float[m.length];
            long base = model.params().offset();
            for (Parameter p : model.parameters()) {
                int off = Math.toIntExact(p.value().offset() - base);
                long[] shape = p.shape().getShape();
                float[] pm = floats(st, "optim.m." + p.name(), shape), pv = floats(st, "optim.v." + p.name(), shape);
                System.arraycopy(pm, 0, m, off, pm.length);
                System.arraycopy(pv, 0, v, off, pv.length);
            }
            be.upload(adam.m(), m);
            be.upload(adam.v(), v);
            adam.setStep(step);
            return new State(step, rng, loop);
        }
    }

    // ---- config <-> JSON ----------------------------------------------------------------------

    static JsonObject configJson(ModelConfig c) {
        JsonObject o = new JsonObject();
        o.addProperty("vocab_size", c.vocabSize());
        o.addProperty("d_model", c.dModel());
        o.addProperty("heads", c.heads());
        o.addProperty("layers", c.layers());
        o.addProperty("context", c.context());
        o.addProperty("activation", c.activation().cliName());
        o.addProperty("norm", c.norm().cliName());
        o.addProperty("tie_embeddings", c.tieEmbeddings());
        o.addProperty("scaled_init", c.scaledInit());
        o.addProperty("init_std", c.initStd());
        o.addProperty("hidden", c.hidden());
        o.addProperty("qk_norm", c.qkNorm());
        return o;
    }

    static ModelConfig configFromJson(String label, String json) {
        String where = label + ": metadata " + KEY_CONFIG;
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            return ModelConfig.builder()
                    .vocabSize(field(o, "vocab_size", where).getAsInt())
                    .dModel(field(o, "d_model", where).getAsInt())
                    .heads(field(o, "heads", where).getAsInt())
                    .layers(field(o, "layers", where).getAsInt())
                    .context(field(o, "context", where).getAsInt())
                    .activation(Activation.parse(field(o, "activation", where).getAsString()))
                    .norm(Norm.parse(field(o, "norm", where).getAsString()))
                    .tieEmbeddings(field(o, "tie_embeddings", where).getAsBoolean())
                    .scaledInit(field(o, "scaled_init", where).getAsBoolean())
                    .initStd(field(o, "init_std", where).getAsFloat())
                    // the width the tensors were made with, whatever rule chose it (older files padded gated widths to 32)
                    .ffnHidden(o.has("hidden") ? field(o, "hidden", where).getAsInt() : 0)
                    .qkNorm(o.has("qk_norm") && field(o, "qk_norm", where).getAsBoolean())   // absent in older files: off
                    .build();
        } catch (UserError e) {
            throw e;
        } catch (RuntimeException e) {
            throw new UserError(where + " is unreadable (" + e.getMessage() + "): the file is corrupt");
        }
    }

    private static JsonElement field(JsonObject o, String key, String where) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) throw new UserError(where + " lacks '" + key + "': the file is corrupt");
        return e;
    }

    /** Names the first architecture option that differs, in CLI terms. */
    static void requireSameConfig(String label, ModelConfig file, ModelConfig model) {
        String[][] fields = {
            {"--activation", file.activation().cliName(), model.activation().cliName()},
            {"--norm", file.norm().cliName(), model.norm().cliName()},
            {"--layers", "" + file.layers(), "" + model.layers()},
            {"--d-model", "" + file.dModel(), "" + model.dModel()},
            {"--heads", "" + file.heads(), "" + model.heads()},
            {"--context", "" + file.context(), "" + model.context()},
            {"vocabulary size", "" + file.vocabSize(), "" + model.vocabSize()},
            {"--tie-embeddings", "" + file.tieEmbeddings(), "" + model.tieEmbeddings()},
            {"--qk-norm", "" + file.qkNorm(), "" + model.qkNorm()},
        };
        for (String[] f : fields) {
            if (!f[1].equals(f[2])) {
                throw new UserError("checkpoint " + label + " was made with " + f[0] + " " + f[1]
                        + " but this model has " + f[0] + " " + f[2] + ": use the checkpoint of the same configuration");
            }
        }
        if (file.hidden() != model.hidden()) {
            // e.g. a gated model from before --ffn-hidden auto became round(8C/3)
            throw new UserError("checkpoint " + label + " has FFN hidden width " + file.hidden() + " but this model has "
                    + model.hidden() + ": pass --ffn-hidden " + file.hidden() + " to use it");
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** The file must hold exactly the expected tensor names: a missing or extra one is named. */
    private static void requireSameNames(SafeTensors st, List<Parameter> params, String... prefixesOrNames) {
        Set<String> expected = new HashSet<>();
        for (String p : prefixesOrNames) {
            if (p.endsWith(".") || p.isEmpty()) {
                for (Parameter q : params) expected.add(p + q.name());
            } else {
                expected.add(p);
            }
        }
        for (String name : expected.stream().sorted().toList()) {
            if (!st.contains(name)) {
                throw new UserError(st.label() + " lacks tensor '" + name + "' that this model needs: "
                        + "it was written for another configuration or is damaged");
            }
        }
        for (SafeTensors.Info i : st.tensors()) {
            if (!expected.contains(i.name())) {
                throw new UserError(st.label() + " holds tensor '" + i.name() + "' that this model does not have: "
                        + "it was written for another configuration");
            }
        }
    }

    private static float[] floats(SafeTensors st, String name, long[] shape) {
        try {
            return st.floats(name, shape);
        } catch (SafeTensorsException e) {
            throw new UserError(e.getMessage());
        }
    }

    private static long[] longs(SafeTensors st, String name, long n) {
        try {
            return st.longs(name, n);
        } catch (SafeTensorsException e) {
            throw new UserError(e.getMessage());
        }
    }

    private static SafeTensors open(Path file) {
        try {
            return SafeTensors.open(file);
        } catch (SafeTensorsException e) {
            throw new UserError("unreadable checkpoint: " + e.getMessage());
        }
    }

    private static String requireMeta(SafeTensors st, String key) {
        String v = st.metadata().get(key);
        if (v == null) throw new UserError(st.label() + " lacks metadata '" + key + "': it is not a complete spikelab checkpoint");
        return v;
    }

    private static int parseStep(SafeTensors st, String s) {
        try {
            int step = Integer.parseInt(s);
            if (step >= 0) return step;
        } catch (NumberFormatException ignored) {
            // reported below with the offending text
        }
        throw new UserError(st.label() + ": metadata " + KEY_STEP + " is '" + s + "', not a step number: the file is corrupt");
    }

    private static float[] download(Backend be, Tensor t) {
        float[] host = new float[t.intSize()];
        be.download(t, host);
        return host;
    }

    private static void write(SafeTensorsWriter w, Path file) {
        try {
            w.write(file);
        } catch (SafeTensorsException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** True when every value is finite (a checkpoint of NaNs would be worse than none). */
    static boolean allFinite(Backend be, Tensor t) {
        return Double.isFinite(be.sumSquares(t, new long[] {t.size()})[0]);
    }
}
