package spikelab.model;

/**
 * The architecture of one model (DESIGN §1). Immutable; build with {@link #builder()}.
 * {@link Builder#build()} validates and names the bad field and its fix.
 */
public final class ModelConfig {
    private final int vocabSize;
    private final int dModel;
    private final int heads;
    private final int layers;
    private final int context;
    private final Activation activation;
    private final Norm norm;
    private final boolean tieEmbeddings;
    private final boolean scaledInit;
    private final float initStd;
    private final boolean qkNorm;
    private final int ffnHidden;

    private ModelConfig(Builder b) {
        vocabSize = b.vocabSize;
        dModel = b.dModel;
        heads = b.heads;
        layers = b.layers;
        context = b.context;
        activation = b.activation;
        norm = b.norm;
        tieEmbeddings = b.tieEmbeddings;
        scaledInit = b.scaledInit;
        initStd = b.initStd;
        qkNorm = b.qkNorm;
        ffnHidden = b.ffnHidden;
    }

    public static Builder builder() { return new Builder(); }

    public Builder toBuilder() {
        return new Builder().vocabSize(vocabSize).dModel(dModel).heads(heads).layers(layers)
                .context(context).activation(activation).norm(norm).tieEmbeddings(tieEmbeddings)
                .scaledInit(scaledInit).initStd(initStd).qkNorm(qkNorm).ffnHidden(ffnHidden);
    }

    public int vocabSize() { return vocabSize; }
    public int dModel() { return dModel; }
    public int heads() { return heads; }
    public int layers() { return layers; }
    public int context() { return context; }
    public Activation activation() { return activation; }
    public Norm norm() { return norm; }
    public boolean tieEmbeddings() { return tieEmbeddings; }
    public boolean scaledInit() { return scaledInit; }
    public float initStd() { return initStd; }
    public int headSize() { return dModel / heads; }
    /** LayerNorm of each head's query and key before QKᵀ (DESIGN §1, {@code --qk-norm}). */
    public boolean qkNorm() { return qkNorm; }
    /** The FFN hidden width as set: 0 means auto ({@link Activation#hiddenWidth}). */
    public int ffnHidden() { return ffnHidden; }
    /** The FFN hidden width h in use. */
    public int hidden() { return ffnHidden > 0 ? ffnHidden : activation.hiddenWidth(dModel); }
    /** Width of the first FFN product: h, or 2h (gate | up) for gated activations. */
    public int preWidth() { return activation.gated() ? 2 * hidden() : hidden(); }
    /** Whether the model ends in a final LayerNorm ln_f: pre-LN only, post-LN blocks already end in one. */
    public boolean finalNorm() { return norm == Norm.PRE; }

    /** Number of trainable scalars. */
    public long parameterCount() {
        long c = dModel;
        long perLayer = 2 * 2 * c                      // two LayerNorms
                + 3 * c * c + c * c                    // qkv and output projection
                + (long) preWidth() * c + (long) hidden() * c
                + (qkNorm ? 2 * 2 * headSize() : 0);   // q and k norms, weight and bias of C/H each
        long total = (long) vocabSize * c + (long) context * c + layers * perLayer;
        if (finalNorm()) total += 2 * c;
        if (!tieEmbeddings) total += (long) vocabSize * c;
        return total;
    }

    /**
     * Training FLOPs per token, DESIGN §5: 6·N + 6·L·C·T, where N counts the parameters used in
     * matrix products (the embedding lookups are not products; a tied head still is one).
     */
    public double flopsPerToken() {
        long products = parameterCount() - (long) context * dModel;
        if (!tieEmbeddings) products -= (long) vocabSize * dModel;
        return 6.0 * products + 6.0 * layers * dModel * context;
    }

    @Override
    public String toString() {
        return String.format("%s %s-LN%s L=%d C=%d H=%d T=%d V=%d h=%d (%,d params)",
                activation.cliName(), norm.cliName(), qkNorm ? " qk-norm" : "", layers, dModel, heads, context,
                vocabSize, hidden(), parameterCount());
    }

    /** Builder with the DESIGN §5 reference model as defaults. */
    public static final class Builder {
        private int vocabSize = 65;
        private int dModel = 128;
        private int heads = 4;
        private int layers = 4;
        private int context = 128;
        private Activation activation = Activation.GELU;
        private Norm norm = Norm.PRE;
        private boolean tieEmbeddings;
        private boolean scaledInit = true;
        private float initStd = 0.02f;
        private boolean qkNorm;
        private int ffnHidden;

        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder dModel(int v) { dModel = v; return this; }
        public Builder heads(int v) { heads = v; return this; }
        public Builder layers(int v) { layers = v; return this; }
        public Builder context(int v) { context = v; return this; }
        public Builder activation(Activation v) { activation = v; return this; }
        public Builder norm(Norm v) { norm = v; return this; }
        public Builder tieEmbeddings(boolean v) { tieEmbeddings = v; return this; }
        public Builder scaledInit(boolean v) { scaledInit = v; return this; }
        public Builder initStd(float v) { initStd = v; return this; }
        public Builder qkNorm(boolean v) { qkNorm = v; return this; }
        /** FFN hidden width; 0 (the default) is auto, the parameter-matched width of the activation. */
        public Builder ffnHidden(int v) { ffnHidden = v; return this; }

        public ModelConfig build() {
            positive("vocabulary size", vocabSize, "use a tokenizer with at least one symbol");
            positive("--d-model", dModel, "use e.g. --d-model 128");
            positive("--heads", heads, "use e.g. --heads 4");
            positive("--layers", layers, "use e.g. --layers 4");
            positive("--context", context, "use e.g. --context 128");
            if (ffnHidden < 0) {
                throw new IllegalArgumentException("--ffn-hidden must be auto or a positive integer, got " + ffnHidden
                        + ": use e.g. --ffn-hidden auto");
            }
            if (dModel % heads != 0) {
                throw new IllegalArgumentException("--d-model " + dModel + " is not divisible by --heads "
                        + heads + ": pick heads that divide d-model (e.g. --heads "
                        + largestDivisorAtMost(dModel, heads) + ")");
            }
            if (!(initStd > 0) || !Float.isFinite(initStd)) {
                throw new IllegalArgumentException("init std must be a positive number, got " + initStd);
            }
            if (activation == null || norm == null) throw new IllegalArgumentException("activation and norm are required");
            return new ModelConfig(this);
        }

        private static void positive(String what, int v, String fix) {
            if (v <= 0) throw new IllegalArgumentException(what + " must be positive, got " + v + ": " + fix);
        }

        private static int largestDivisorAtMost(int n, int k) {
            for (int d = Math.min(n, k); d > 1; d--) if (n % d == 0) return d;
            return 1;
        }
    }
}
