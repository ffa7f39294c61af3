package spikelab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import spikelab.backend.cpu.CpuBackend;

/**
 * The parameter layout the options produce: FFN widths (issue 10 item 2), the QK-norm vectors
 * (item 1), and no final LayerNorm after post-LN blocks (item 3); and that
 * {@link ModelConfig#parameterCount()} counts exactly the tensors the model allocates.
 */
class ModelLayoutTest {
    private static final CpuBackend be = new CpuBackend(1);

    @AfterAll
    static void close() { be.close(); }

    private static ModelConfig.Builder base() {
        return ModelConfig.builder().vocabSize(65).dModel(32).heads(4).layers(2).context(16);
    }

    private static long allocated(Transformer m) {
        return m.parameters().stream().mapToLong(p -> p.value().size()).sum();
    }

    /** Weights of one FFN: the input product(s) and the down projection. */
    private static long ffnWeights(ModelConfig cfg) {
        return (long) cfg.preWidth() * cfg.dModel() + (long) cfg.hidden() * cfg.dModel();
    }

    @ParameterizedTest(name = "C = {0}")
    @ValueSource(ints = {32, 64, 128, 256})
    void reluSwigluAndRegluHaveMatchedParameterCountsByDefault(int c) {
        ModelConfig relu = base().dModel(c).activation(Activation.RELU).build();
        ModelConfig swiglu = base().dModel(c).activation(Activation.SWIGLU).build();
        ModelConfig reglu = base().dModel(c).activation(Activation.REGLU).build();
        assertEquals(4 * c, relu.hidden());
        assertEquals(Math.round(8.0 * c / 3), swiglu.hidden());
        assertEquals(swiglu.hidden(), reglu.hidden());
        for (ModelConfig gated : List.of(swiglu, reglu)) {
            double ffn = Math.abs(ffnWeights(gated) - ffnWeights(relu)) / (double) ffnWeights(relu);
            double total = Math.abs(gated.parameterCount() - relu.parameterCount()) / (double) relu.parameterCount();
            assertTrue(ffn < 0.01, gated.activation() + " FFN weights differ from relu's by " + ffn);
            assertTrue(total < 0.01, gated.activation() + " parameter count differs from relu's by " + total);
        }
    }

    @Test
    void gatedWidthIsRoundedNotPaddedToThirtyTwo() {
        // 8·32/3 = 85.33 → 85 (the old rule gave 96); 8·64/3 = 170.67 → 171; 8·48/3 = 128 exactly
        assertEquals(85, Activation.SWIGLU.hiddenWidth(32));
        assertEquals(171, Activation.GEGLU.hiddenWidth(64));
        assertEquals(128, Activation.GLU.hiddenWidth(48));
        assertEquals(512, Activation.GELU.hiddenWidth(128));
    }

    @Test
    void explicitFfnHiddenSetsTheWidth() {
        ModelConfig cfg = base().activation(Activation.SWIGLU).ffnHidden(100).build();
        assertEquals(100, cfg.hidden());
        assertEquals(200, cfg.preWidth());
        Transformer m = new Transformer(be, cfg, 1, 1);
        assertEquals(List.of(200L, 32L), shape(m, "layers.0.ffn.w_in"));
        assertEquals(List.of(32L, 100L), shape(m, "layers.1.ffn.w_out"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> base().ffnHidden(-3).build());
        assertEquals("--ffn-hidden must be auto or a positive integer, got -3: use e.g. --ffn-hidden auto", e.getMessage());
    }

    @Test
    void postLnHasNoFinalNormAndPreLnKeepsIt() {
        Transformer post = new Transformer(be, base().norm(Norm.POST).build(), 1, 1);
        Transformer pre = new Transformer(be, base().norm(Norm.PRE).build(), 1, 1);
        assertFalse(names(post).contains("ln_f.weight"), names(post).toString());
        assertFalse(names(post).contains("ln_f.bias"));
        assertTrue(names(pre).contains("ln_f.weight"));
        assertEquals(pre.config().parameterCount() - 2 * 32, post.config().parameterCount());
        assertEquals(post.config().parameterCount(), allocated(post));
    }

    @Test
    void qkNormAddsUndecayedHeadSizedVectorsPerLayer() {
        ModelConfig cfg = base().qkNorm(true).build();
        Transformer m = new Transformer(be, cfg, 1, 1);
        assertEquals(cfg.parameterCount(), allocated(m));
        assertEquals(base().build().parameterCount() + 2 * 4 * 8, cfg.parameterCount());   // L·(q, k)·(w, b)·C/H
        float[] host = new float[Math.toIntExact(m.params().size())];
        be.download(m.params(), host);
        for (int l = 0; l < 2; l++) {
            for (String qk : new String[] {"q_norm", "k_norm"}) {
                for (String wb : new String[] {"weight", "bias"}) {
                    Parameter p = find(m, "layers." + l + ".attn." + qk + "." + wb);
                    assertEquals(List.of(8L), toList(p.shape().getShape()));
                    assertFalse(p.decay(), p.name() + " must not be weight-decayed");
                    assertTrue(p.value().offset() >= m.decayedCount(), p.name() + " lies in the decayed block");
                    assertEquals(l, p.layer());
                    for (int i = 0; i < 8; i++) {
                        assertEquals(wb.equals("weight") ? 1f : 0f, host[Math.toIntExact(p.value().offset()) + i], p.name());
                    }
                }
            }
        }
        assertFalse(names(new Transformer(be, base().build(), 1, 1)).stream().anyMatch(s -> s.contains("_norm")));
    }

    @Test
    void qkNormLeavesTheMatrixInitUnchanged() {
        // the norm vectors draw nothing from the init stream, so the same seed gives the same matrices
        Transformer with = new Transformer(be, base().qkNorm(true).build(), 1, 9);
        Transformer without = new Transformer(be, base().build(), 1, 9);
        assertEquals(with.decayedCount(), without.decayedCount());
        float[] a = new float[Math.toIntExact(with.decayedCount())], b = new float[a.length];
        be.download(with.params().slice(0, a.length), a);
        be.download(without.params().slice(0, b.length), b);
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"relu", "gelu", "swiglu", "geglu", "reglu", "glu", "bilinear"})
    void parameterCountMatchesTheAllocatedTensors(String act) {
        for (Norm norm : Norm.values()) {
            for (boolean qk : new boolean[] {false, true}) {
                for (boolean tied : new boolean[] {false, true}) {
                    ModelConfig cfg = base().activation(Activation.parse(act)).norm(norm).qkNorm(qk).tieEmbeddings(tied).build();
                    assertEquals(cfg.parameterCount(), allocated(new Transformer(be, cfg, 1, 1)), cfg.toString());
                }
            }
        }
    }

    private static List<String> names(Transformer m) {
        return m.parameters().stream().map(Parameter::name).collect(Collectors.toList());
    }

    private static Parameter find(Transformer m, String name) {
        return m.parameters().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<Long> shape(Transformer m, String name) {
        return toList(find(m, name).shape().getShape());
    }

    private static List<Long> toList(long[] a) {
        return java.util.Arrays.stream(a).boxed().collect(Collectors.toList());
    }
}
