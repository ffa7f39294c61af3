package spikelab.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import spikelab.backend.cpu.CpuBackend;

/**
 * The whole model's gradient, every parameter tensor, for each activation with pre-LN and post-LN,
 * and with QK-norm, against central differences of the loss. A wide init (std 0.3) makes gradients large enough
 * for float32 differences to resolve.
 */
class GradientCheckTest {
    private static final CpuBackend be = new CpuBackend(2);

    @AfterAll
    static void close() { be.close(); }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Activation a : Activation.values()) {
            for (Norm n : Norm.values()) out.add(Arguments.of(a, n, false, false));
        }
        out.add(Arguments.of(Activation.SWIGLU, Norm.PRE, true, false));   // tied embeddings share one gradient
        out.add(Arguments.of(Activation.GELU, Norm.PRE, false, true));
        out.add(Arguments.of(Activation.SWIGLU, Norm.POST, false, true));
        out.add(Arguments.of(Activation.RELU, Norm.PRE, true, true));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}-LN tied={2} qk-norm={3}")
    @MethodSource("cases")
    void wholeModelMatchesFiniteDifferences(Activation act, Norm norm, boolean tied, boolean qkNorm) {
        ModelConfig cfg = ModelConfig.builder().vocabSize(7).dModel(8).heads(2).layers(2).context(4)
                .activation(act).norm(norm).tieEmbeddings(tied).qkNorm(qkNorm).initStd(0.3f).build();
        Transformer m = new Transformer(be, cfg, 2, 7);
        int[] in = {1, 2, 3, 4, 0, 6, 5, 1};
        int[] tg = {2, 3, 4, 5, 6, 5, 1, 0};
        m.setBatch(in, tg);
        m.zeroGrad();
        m.forward();
        m.backward();
        float[] grads = new float[Math.toIntExact(m.grads().size())];
        be.download(m.grads(), grads);
        float[] params = new float[grads.length];
        be.download(m.params(), params);

        Rng rng = new Rng(3);
        double eps = act.gate() == Activation.Gate.RELU ? 5e-4 : 1e-2;   // stay on one side of relu kinks
        for (Parameter p : m.parameters()) {
            int off = Math.toIntExact(p.value().offset());
            int size = Math.toIntExact(p.value().size());
            if (p.name().endsWith("attn.k_norm.bias")) {
                // q·(k_s + β) = q·k_s + q·β is the same shift for every key s, which softmax ignores:
                // the exact gradient is zero, and the analytic one must be zero up to rounding
                for (int i = off; i < off + size; i++) {
                    assertTrue(Math.abs(grads[i]) < 1e-6, p.name() + " gradient " + grads[i] + " should vanish");
                }
                continue;
            }
            int samples = Math.min(size, 12);
            double diff = 0, fdNorm = 0;
            for (int s = 0; s < samples; s++) {
                int i = off + (samples == size ? s : (int) (rng.nextDouble() * size));
                float keep = params[i];
                params[i] = keep + (float) eps;
                be.upload(m.params(), params);
                double up = m.forward();
                params[i] = keep - (float) eps;
                be.upload(m.params(), params);
                double down = m.forward();
                params[i] = keep;
                double numeric = (up - down) / (2 * eps);
                diff += (numeric - grads[i]) * (numeric - grads[i]);
                fdNorm += numeric * numeric;
            }
            be.upload(m.params(), params);
            double rel = Math.sqrt(diff) / Math.max(Math.sqrt(fdNorm), 1e-6);
            assertTrue(rel < 0.03 || Math.sqrt(diff) < 2e-4,
                    act + " " + norm + "-LN " + p.name() + ": relative error " + rel + " (|fd| " + Math.sqrt(fdNorm) + ")");
        }
    }
}
