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
    void timesEveryPartAndTheShareIsAPositiveFraction() {
        TokenDataset data = Datasets.builtin(1);
        ModelConfig cfg = ModelConfig.builder().vocabSize(data.tokenizer().vocabSize()).dModel(32).heads(2).layers(2)
                .context(16).build();
        try (Backend be = new CpuBackend(2)) {
            Transformer model = new Transformer(be, cfg, 4, 7);
            String line = MeasurementCost.measure(model, new AdamW(model, 0.9f, 0.95f, 1e-8f, 0.1f), data, 2, 1, 60);
            Matcher m = Pattern.compile("bare step ([0-9.]+) ms; per-step measurements ([0-9.]+) ms \\(([0-9.]+)% of a step\\); "
                    + "dead-unit probe ([0-9.]+) ms \\(([0-9.]+)% .*validation, 2 batches, ([0-9.]+) ms").matcher(line);
            assertTrue(m.find(), line);
            // the extras may round to 0.000 ms on a tiny model; the step, probe and validation cannot
            for (int g : new int[] {1, 4, 6}) assertTrue(Double.parseDouble(m.group(g)) > 0, "group " + g + " of " + line);
            // the extras are a copy, an axpy and three reductions: far less than forward + backward
            assertTrue(Double.parseDouble(m.group(2)) < Double.parseDouble(m.group(1)), line);
        }
    }
}
