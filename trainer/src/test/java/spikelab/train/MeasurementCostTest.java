package spikelab.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import spikelab.backend.Backend;
import spikelab.backend.cpu.CpuBackend;
import spikelab.data.Datasets;
import spikelab.data.TokenDataset;
import spikelab.model.ModelConfig;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;

class MeasurementCostTest {
    @Test
    void timesEveryPartOnOneLine() {
        TokenDataset data = Datasets.builtin(1);
        ModelConfig cfg = ModelConfig.builder().vocabSize(data.tokenizer().vocabSize()).dModel(32).heads(2).layers(2)
                .context(16).build();
        try (Backend be = new CpuBackend(2)) {
            Transformer model = new Transformer(be, cfg, 4, 7);
            String line = MeasurementCost.measure(model, new AdamW(model, 0.9f, 0.95f, 1e-8f, 0.1f), data, 2, 1, 60);
            Matcher m = Pattern.compile("bare step ([0-9.]+) ms; per-step measurements (-?[0-9.]+) ms \\((-?[0-9.]+)% of a step\\); "
                    + "dead-unit probe ([0-9.]+) ms \\(([0-9.]+)% .*validation, 2 batches, ([0-9.]+) ms").matcher(line);
            assertTrue(m.find(), line);
            // the extras are a difference of two timings: on a tiny model on a busy machine it can be
            // zero or negative, and comparing it with the step would make this a timed test (CI failed
            // on that once); the step, probe and validation are timings of work and cannot be zero
            for (int g : new int[] {1, 4, 6}) assertTrue(Double.parseDouble(m.group(g)) > 0, "group " + g + " of " + line);
        }
    }
}
