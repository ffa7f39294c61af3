package spikelab.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import ai.djl.ndarray.types.Shape;
import spikelab.backend.Backend;
import spikelab.backend.Buffer;
import spikelab.backend.IntBuffer;
import spikelab.backend.Tensor;

/**
 * The decoder-only transformer of DESIGN §1 over any {@link Backend}.
 *
 * <p>All parameters live in one buffer (decayed matrices first, then LayerNorm vectors), and so
 * do their gradients; every activation is allocated once for a fixed batch B and the full
 * context T. A step is {@link #zeroGrad()}, {@link #forward}, {@link #backward()}.
 */
public final class Transformer {
    private final Backend be;
    private final ModelConfig cfg;
    private final int b, t, n, c, v, h, heads, preW;

    private final Tensor params, grads;
    private final List<Parameter> parameters;
    private final long decayedCount;
    private final Parameter tokEmb, posEmb, lmHead, lnfW, lnfB;
    private final LayerParams[] lp;

    private final IntBuffer inputs, targets;
    private final Tensor x0, lnf, lnfMean, lnfRstd, logits, losses, logZ, maxLogit;
    private final LayerActs[] la;
    private final Tensor dres, dtmp, dln, dqkv, dqkvNormed, dattn, dpre, dact;

    private float zLoss;
    private boolean logitsAreGradients;

    private static final class LayerParams {
        Parameter ln1w, ln1b, wqkv, wo, ln2w, ln2b, win, wout;
        Parameter qNormW, qNormB, kNormW, kNormB;    // QK-norm only
    }

    /**
     * Saved forward activations of one block (names follow the pre-LN reading; see forward).
     * With QK-norm, qkv stays the raw projection (the norm's backward needs it) and attention
     * reads qkvNormed: q and k normed per head, v copied through.
     */
    private static final class LayerActs {
        Tensor ln1, ln1Mean, ln1Rstd, qkv, att, attnOut, res1, ln2, ln2Mean, ln2Rstd, pre, act, res2;
        Tensor qkvNormed, qMean, qRstd, kMean, kRstd;  // QK-norm only
    }

    public Transformer(Backend backend, ModelConfig cfg, int batch, long seed) {
        if (batch <= 0) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        this.be = backend;
        this.cfg = cfg;
        this.b = batch;
        this.t = cfg.context();
        this.n = b * t;
        this.c = cfg.dModel();
        this.v = cfg.vocabSize();
        this.h = cfg.hidden();
        this.heads = cfg.heads();
        this.preW = cfg.preWidth();
        int layers = cfg.layers();

        // ---- parameter layout: decayed matrices, then norms ----
        List<String> names = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        List<Boolean> decays = new ArrayList<>();
        java.util.function.BiConsumer<String, Shape> mat = (nm, s) -> { names.add(nm); shapes.add(s); decays.add(true); };
        java.util.function.BiConsumer<String, Shape> vec = (nm, s) -> { names.add(nm); shapes.add(s); decays.add(false); };
        mat.accept("tok_emb", new Shape(v, c));
        mat.accept("pos_emb", new Shape(t, c));
        for (int l = 0; l < layers; l++) {
            mat.accept("layers." + l + ".attn.wqkv", new Shape(3L * c, c));
            mat.accept("layers." + l + ".attn.wo", new Shape(c, c));
            mat.accept("layers." + l + ".ffn.w_in", new Shape(preW, c));
            mat.accept("layers." + l + ".ffn.w_out", new Shape(c, h));
        }
        if (!cfg.tieEmbeddings()) mat.accept("lm_head", new Shape(v, c));
        for (int l = 0; l < layers; l++) {
            vec.accept("layers." + l + ".ln1.weight", new Shape(c));
            vec.accept("layers." + l + ".ln1.bias", new Shape(c));
            vec.accept("layers." + l + ".ln2.weight", new Shape(c));
            vec.accept("layers." + l + ".ln2.bias", new Shape(c));
            if (cfg.qkNorm()) {
                for (String qk : new String[] {"q_norm", "k_norm"}) {
                    vec.accept("layers." + l + ".attn." + qk + ".weight", new Shape(cfg.headSize()));
                    vec.accept("layers." + l + ".attn." + qk + ".bias", new Shape(cfg.headSize()));
                }
            }
        }
        if (cfg.finalNorm()) {   // post-LN blocks already end in a LayerNorm (Xiong et al. 2020, Fig. 1a)
            vec.accept("ln_f.weight", new Shape(c));
            vec.accept("ln_f.bias", new Shape(c));
        }

        long total = 0, decayed = 0;
        for (int i = 0; i < names.size(); i++) {
            total += shapes.get(i).size();
            if (decays.get(i)) decayed += shapes.get(i).size();
        }
        Buffer pb = be.allocate(total), gb = be.allocate(total);
        params = pb.all();
        grads = gb.all();
        decayedCount = decayed;
        List<Parameter> ps = new ArrayList<>();
        long off = 0;
        for (int i = 0; i < names.size(); i++) {
            Shape s = shapes.get(i);
            ps.add(new Parameter(names.get(i), new Tensor(pb, off, s), new Tensor(gb, off, s), decays.get(i)));
            off += s.size();
        }
        parameters = Collections.unmodifiableList(ps);
        tokEmb = find("tok_emb");
        posEmb = find("pos_emb");
        lmHead = cfg.tieEmbeddings() ? tokEmb : find("lm_head");
        lnfW = cfg.finalNorm() ? find("ln_f.weight") : null;
        lnfB = cfg.finalNorm() ? find("ln_f.bias") : null;
        lp = new LayerParams[layers];
        for (int l = 0; l < layers; l++) {
            LayerParams p = new LayerParams();
            String pre = "layers." + l + ".";
            p.ln1w = find(pre + "ln1.weight");
            p.ln1b = find(pre + "ln1.bias");
            p.wqkv = find(pre + "attn.wqkv");
            p.wo = find(pre + "attn.wo");
            p.ln2w = find(pre + "ln2.weight");
            p.ln2b = find(pre + "ln2.bias");
            p.win = find(pre + "ffn.w_in");
            p.wout = find(pre + "ffn.w_out");
            if (cfg.qkNorm()) {
                p.qNormW = find(pre + "attn.q_norm.weight");
                p.qNormB = find(pre + "attn.q_norm.bias");
                p.kNormW = find(pre + "attn.k_norm.weight");
                p.kNormB = find(pre + "attn.k_norm.bias");
            }
            lp[l] = p;
        }
        initialize(seed);

        // ---- activations, allocated once ----
        inputs = be.allocateInt(n);
        targets = be.allocateInt(n);
        x0 = alloc(n, c);
        la = new LayerActs[layers];
        for (int l = 0; l < layers; l++) {
            LayerActs a = new LayerActs();
            a.ln1 = alloc(n, c);
            a.ln1Mean = alloc(n);
            a.ln1Rstd = alloc(n);
            a.qkv = alloc(n, 3L * c);
            a.att = alloc(b, heads, t, t);
            a.attnOut = alloc(n, c);
            a.res1 = alloc(n, c);
            a.ln2 = alloc(n, c);
            a.ln2Mean = alloc(n);
            a.ln2Rstd = alloc(n);
            a.pre = alloc(n, preW);
            a.act = alloc(n, h);
            a.res2 = alloc(n, c);
            if (cfg.qkNorm()) {
                a.qkvNormed = alloc(n, 3L * c);
                a.qMean = alloc((long) n * heads);
                a.qRstd = alloc((long) n * heads);
                a.kMean = alloc((long) n * heads);
                a.kRstd = alloc((long) n * heads);
            }
            la[l] = a;
        }
        lnf = cfg.finalNorm() ? alloc(n, c) : null;
        lnfMean = cfg.finalNorm() ? alloc(n) : null;
        lnfRstd = cfg.finalNorm() ? alloc(n) : null;
        logits = alloc(n, v);
        losses = alloc(n);
        logZ = alloc(n);
        maxLogit = alloc(layers);
        dres = alloc(n, c);
        dtmp = alloc(n, c);
        dln = alloc(n, c);
        dqkv = alloc(n, 3L * c);
        dqkvNormed = cfg.qkNorm() ? alloc(n, 3L * c) : null;
        dattn = alloc(n, c);
        dpre = alloc(n, preW);
        dact = alloc(n, h);
    }

    private Tensor alloc(long... dims) {
        Shape s = new Shape(dims);
        return new Tensor(be.allocate(s.size()), 0, s);
    }

    private Parameter find(String name) {
        for (Parameter p : parameters) if (p.name().equals(name)) return p;
        throw new IllegalStateException("no parameter " + name);
    }

    // Every matrix N(0, std); the residual output projections (attn.wo, ffn.w_out) N(0, std/√(2L))
    // unless scaled init is off; LayerNorm weight 1, bias 0. Drawn in parameter order from one stream.
    private void initialize(long seed) {
        Rng rng = new Rng(seed);
        float[] host = new float[Math.toIntExact(params.size())];
        double std = cfg.initStd();
        double residualStd = cfg.scaledInit() ? std / Math.sqrt(2.0 * cfg.layers()) : std;
        for (Parameter p : parameters) {
            int off = Math.toIntExact(p.value().offset());
            int size = Math.toIntExact(p.value().size());
            if (p.decay()) {
                boolean residual = p.name().endsWith("attn.wo") || p.name().endsWith("ffn.w_out");
                double s = residual ? residualStd : std;
                for (int i = 0; i < size; i++) host[off + i] = (float) (rng.nextGaussian() * s);
            } else {
                float value = p.name().endsWith(".weight") ? 1f : 0f;
                for (int i = 0; i < size; i++) host[off + i] = value;
            }
        }
        be.upload(params, host);
    }

    // ---- accessors ----

    public ModelConfig config() { return cfg; }
    public Backend backend() { return be; }
    public int batch() { return b; }
    public List<Parameter> parameters() { return parameters; }
    public Tensor params() { return params; }
    public Tensor grads() { return grads; }
    /** Elements at the front of {@link #params()} that take weight decay (the matrices). */
    public long decayedCount() { return decayedCount; }
    public IntBuffer inputs() { return inputs; }
    public IntBuffer targets() { return targets; }
    /** Logits [B·T, V] of the last forward (not valid after backward, which reuses them). */
    public Tensor logits() {
        if (logitsAreGradients) throw new IllegalStateException("logits were overwritten by backward()");
        return logits;
    }
    /** Per-position log-partition log Σ exp(logits) of the last forward, [B·T]. */
    public Tensor logZ() { return logZ; }
    /** Per-position cross-entropy of the last forward, [B·T]. */
    public Tensor losses() { return losses; }
    /** FFN hidden activation output of a layer from the last forward, [B·T, h]. */
    public Tensor ffnActivation(int layer) { return la[layer].act; }
    /** Max |qᵀk|/√hs per layer from the last forward, [L]. */
    public Tensor maxAttentionLogit() { return maxLogit; }
    /** z-loss coefficient (0 = off): adds z·logZ² per position to the objective's gradient. */
    public void setZLoss(float z) { zLoss = z; }

    /** Uploads a batch of B·T input ids and next-token targets. */
    public void setBatch(int[] in, int[] tg) {
        if (in.length < n || tg.length < n) throw new IllegalArgumentException("batch needs " + n + " tokens");
        be.uploadInt(inputs, in, n);
        be.uploadInt(targets, tg, n);
    }

    public void zeroGrad() { be.fill(grads, 0f); }

    // ---- forward ----

    /** Forward with loss on the uploaded batch; returns the mean cross-entropy. */
    public float forward() {
        forwardLosses();
        return meanLoss(be.sum(losses));
    }

    /**
     * Forward to the per-position losses ({@link #losses()}) without reading anything back, for
     * a step that sums them on the backend ({@link spikelab.optim.TrainStep}).
     */
    public void forwardLosses() {
        forwardLogits();
        be.crossEntropyForward(losses, logZ, logits, targets, n, v);
    }

    /** The mean cross-entropy from the sum of {@link #losses()}, as {@link #forward()} returns it. */
    public float meanLoss(double lossSum) {
        return (float) (lossSum / n);
    }

    /** Forward on the uploaded batch, then loss; convenience for tests and the trainer. */
    public float forward(int[] in, int[] tg) {
        setBatch(in, tg);
        return forward();
    }

    /** Forward to the logits only (generation, probes). */
    public void forwardLogits() {
        logitsAreGradients = false;
        be.embeddingForward(x0, inputs, tokEmb.value(), posEmb.value(), b, t, c);
        Tensor x = x0;
        for (int l = 0; l < la.length; l++) x = block(l, x);
        if (cfg.finalNorm()) {
            be.layerNormForward(lnf, lnfMean, lnfRstd, x, lnfW.value(), lnfB.value(), n, c);
            x = lnf;
        }
        linear(logits, x, lmHead.value(), v, c);
    }

    // pre-LN:  a = LN1(x); res1 = x + Wo·attn(Wqkv·a); ln2 = LN2(res1); res2 = res1 + Wout·f(Win·ln2)
    // post-LN: res1 = x + Wo·attn(Wqkv·x); ln1 = LN1(res1); res2 = ln1 + Wout·f(Win·ln1); ln2 = LN2(res2)
    private Tensor block(int l, Tensor x) {
        LayerParams p = lp[l];
        LayerActs a = la[l];
        boolean pre = cfg.norm() == Norm.PRE;
        Tensor attnIn = x;
        if (pre) {
            be.layerNormForward(a.ln1, a.ln1Mean, a.ln1Rstd, x, p.ln1w.value(), p.ln1b.value(), n, c);
            attnIn = a.ln1;
        }
        linear(a.qkv, attnIn, p.wqkv.value(), 3 * c, c);
        Tensor qkv = a.qkv;
        if (cfg.qkNorm()) {
            // q_h ← LN_q(q_h), k_h ← LN_k(k_h) per head; v unchanged
            be.copy(a.qkvNormed, a.qkv);
            be.headNormForward(a.qkvNormed, a.qMean, a.qRstd, a.qkv, p.qNormW.value(), p.qNormB.value(), n, c, heads, 0);
            be.headNormForward(a.qkvNormed, a.kMean, a.kRstd, a.qkv, p.kNormW.value(), p.kNormB.value(), n, c, heads, 1);
            qkv = a.qkvNormed;
        }
        be.attentionForward(a.attnOut, a.att, maxLogit.slice(l, 1), qkv, b, t, c, heads);
        be.copy(a.res1, x);
        linearAccumulate(a.res1, a.attnOut, p.wo.value(), c, c);
        Tensor ffnIn;
        if (pre) {
            be.layerNormForward(a.ln2, a.ln2Mean, a.ln2Rstd, a.res1, p.ln2w.value(), p.ln2b.value(), n, c);
            ffnIn = a.ln2;
        } else {
            be.layerNormForward(a.ln1, a.ln1Mean, a.ln1Rstd, a.res1, p.ln1w.value(), p.ln1b.value(), n, c);
            ffnIn = a.ln1;
        }
        linear(a.pre, ffnIn, p.win.value(), preW, c);
        be.activationForward(a.act, a.pre, n, h, cfg.activation());
        be.copy(a.res2, ffnIn == a.ln2 ? a.res1 : a.ln1);
        linearAccumulate(a.res2, a.act, p.wout.value(), c, h);
        if (pre) return a.res2;
        be.layerNormForward(a.ln2, a.ln2Mean, a.ln2Rstd, a.res2, p.ln2w.value(), p.ln2b.value(), n, c);
        return a.ln2;
    }

    // y[n,out] = x[n,in]·Wᵀ
    private void linear(Tensor y, Tensor x, Tensor w, int out, int in) {
        be.gemm(false, true, n, out, in, 1f, x, in, w, in, 0f, y, out);
    }

    // y[n,out] += x[n,in]·Wᵀ
    private void linearAccumulate(Tensor y, Tensor x, Tensor w, int out, int in) {
        be.gemm(false, true, n, out, in, 1f, x, in, w, in, 1f, y, out);
    }

    // dx = dy·W (overwrite, or accumulate), dW += dyᵀ·x
    private void linearBackward(Tensor dx, boolean accumulate, Tensor dw, Tensor dy, Tensor x, Tensor w, int out, int in) {
        be.gemm(false, false, n, in, out, 1f, dy, out, w, in, accumulate ? 1f : 0f, dx, in);
        be.gemm(true, false, out, in, n, 1f, dy, out, x, in, 1f, dw, in);
    }

    // ---- backward ----

    /** Backward of the mean cross-entropy of the last {@link #forward()}; accumulates into grads. */
    public void backward() {
        be.crossEntropyBackward(logits, logits, logZ, targets, n, v, 1f / n, zLoss / n);
        logitsAreGradients = true;
        Tensor xLast = la.length == 0 ? x0 : layerOutput(la.length - 1);
        if (cfg.finalNorm()) {
            linearBackward(dln, false, lmHead.grad(), logits, lnf, lmHead.value(), v, c);
            be.fill(dres, 0f);
            be.layerNormBackward(dres, lnfW.grad(), lnfB.grad(), dln, xLast, lnfW.value(), lnfMean, lnfRstd, n, c);
        } else {
            linearBackward(dres, false, lmHead.grad(), logits, xLast, lmHead.value(), v, c);
        }
        for (int l = la.length - 1; l >= 0; l--) {
            Tensor xin = l == 0 ? x0 : layerOutput(l - 1);
            if (cfg.norm() == Norm.PRE) blockBackwardPre(l, xin);
            else blockBackwardPost(l, xin);
        }
        be.embeddingBackward(tokEmb.grad(), posEmb.grad(), dres, inputs, b, t, c);
    }

    // dqkv = ∂L/∂qkv (the raw projection) from dattn; with QK-norm through the per-head norms,
    // v's gradient copied through
    private void attentionBackward(LayerParams p, LayerActs a) {
        if (!cfg.qkNorm()) {
            be.attentionBackward(dqkv, dattn, a.qkv, a.att, b, t, c, heads);
            return;
        }
        be.attentionBackward(dqkvNormed, dattn, a.qkvNormed, a.att, b, t, c, heads);
        be.copy(dqkv, dqkvNormed);
        be.headNormBackward(dqkv, p.qNormW.grad(), p.qNormB.grad(), dqkvNormed, a.qkv, p.qNormW.value(), a.qMean, a.qRstd,
                n, c, heads, 0);
        be.headNormBackward(dqkv, p.kNormW.grad(), p.kNormB.grad(), dqkvNormed, a.qkv, p.kNormW.value(), a.kMean, a.kRstd,
                n, c, heads, 1);
    }

    private Tensor layerOutput(int l) {
        return cfg.norm() == Norm.PRE ? la[l].res2 : la[l].ln2;
    }

    // dres holds ∂L/∂res2 on entry and ∂L/∂x on exit; each residual passes dres straight through.
    private void blockBackwardPre(int l, Tensor xin) {
        LayerParams p = lp[l];
        LayerActs a = la[l];
        be.gemm(false, false, n, h, c, 1f, dres, c, p.wout.value(), h, 0f, dact, h);
        be.gemm(true, false, c, h, n, 1f, dres, c, a.act, h, 1f, p.wout.grad(), h);
        be.activationBackward(dpre, dact, a.pre, n, h, cfg.activation());
        linearBackward(dln, false, p.win.grad(), dpre, a.ln2, p.win.value(), preW, c);
        be.layerNormBackward(dres, p.ln2w.grad(), p.ln2b.grad(), dln, a.res1, p.ln2w.value(), a.ln2Mean, a.ln2Rstd, n, c);
        linearBackward(dattn, false, p.wo.grad(), dres, a.attnOut, p.wo.value(), c, c);
        attentionBackward(p, a);
        linearBackward(dln, false, p.wqkv.grad(), dqkv, a.ln1, p.wqkv.value(), 3 * c, c);
        be.layerNormBackward(dres, p.ln1w.grad(), p.ln1b.grad(), dln, xin, p.ln1w.value(), a.ln1Mean, a.ln1Rstd, n, c);
    }

    // dres holds ∂L/∂ln2 on entry and ∂L/∂x on exit; dtmp carries the pre-norm sums' gradients.
    private void blockBackwardPost(int l, Tensor xin) {
        LayerParams p = lp[l];
        LayerActs a = la[l];
        be.fill(dtmp, 0f);
        be.layerNormBackward(dtmp, p.ln2w.grad(), p.ln2b.grad(), dres, a.res2, p.ln2w.value(), a.ln2Mean, a.ln2Rstd, n, c);
        be.gemm(false, false, n, h, c, 1f, dtmp, c, p.wout.value(), h, 0f, dact, h);
        be.gemm(true, false, c, h, n, 1f, dtmp, c, a.act, h, 1f, p.wout.grad(), h);
        be.activationBackward(dpre, dact, a.pre, n, h, cfg.activation());
        be.copy(dres, dtmp);
        linearBackward(dres, true, p.win.grad(), dpre, a.ln1, p.win.value(), preW, c);
        be.fill(dtmp, 0f);
        be.layerNormBackward(dtmp, p.ln1w.grad(), p.ln1b.grad(), dres, a.res1, p.ln1w.value(), a.ln1Mean, a.ln1Rstd, n, c);
        linearBackward(dattn, false, p.wo.grad(), dtmp, a.attnOut, p.wo.value(), c, c);
        attentionBackward(p, a);
        be.copy(dres, dtmp);
        linearBackward(dres, true, p.wqkv.grad(), dqkv, xin, p.wqkv.value(), 3 * c, c);
    }
}
