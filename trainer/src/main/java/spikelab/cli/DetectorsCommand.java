package spikelab.cli;

import spikelab.run.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import spikelab.run.AtomicFiles;
import spikelab.run.Json;
import spikelab.stability.SpikeValidation;

/**
 * {@code spikelab detectors RUN_DIR…}: the spike detectors' detection and false-positive rates on
 * the runs' real loss and gradient-norm curves with injected spikes, as the markdown table of
 * docs/stability.md.
 */
@Command(name = "detectors", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Validate the spike rules: inject spikes of known size at every eligible step of the runs' "
                + "loss and grad-norm curves and print detection and false-positive rates as a markdown table.")
public final class DetectorsCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "run directories (their metrics.jsonl is read)")
    List<Path> runs;

    @Option(names = "--sizes", paramLabel = "S,...", split = ",", defaultValue = "0.05,0.1,0.25,0.5,1",
            description = "spike sizes: the value at the injected step is multiplied by 1+S (default: ${DEFAULT-VALUE})")
    double[] sizes;

    @Option(names = "--settings", paramLabel = "W:K,...", split = ",", defaultValue = "100:6,1000:7",
            description = "window:threshold pairs to compare (default: ${DEFAULT-VALUE}, the DESIGN and OLMo 2 settings)")
    List<String> settings;

    @Override
    public Integer call() {
        for (double s : sizes) if (!(s > 0) || !Double.isFinite(s)) throw new UserError("--sizes must be positive fractions, got " + s + ": use e.g. --sizes 0.1,0.5");
        int[] windows = new int[settings.size()];
        double[] ks = new double[settings.size()];
        for (int i = 0; i < windows.length; i++) {
            String[] wk = settings.get(i).split(":");
            try {
                if (wk.length != 2) throw new NumberFormatException();
                windows[i] = Integer.parseInt(wk[0].trim());
                ks[i] = Double.parseDouble(wk[1].trim());
            } catch (NumberFormatException e) {
                throw new UserError("--settings entry '" + settings.get(i) + "' is not W:K: use e.g. --settings 100:6,1000:7");
            }
            if (windows[i] < 1 || !(ks[i] > 0) || !Double.isFinite(ks[i])) {
                throw new UserError("--settings entry '" + settings.get(i) + "' needs W >= 1 and K > 0: use e.g. --settings 100:6");
            }
        }
        List<double[]> losses = new ArrayList<>(), norms = new ArrayList<>();
        StringBuilder sources = new StringBuilder();
        for (Path run : runs) {
            double[][] c = read(run);
            losses.add(c[0]);
            norms.add(c[1]);
            sources.append(String.format("- %s: %d steps, loss %.3f -> %.3f%n", run.getFileName(), c[0].length, c[0][0], c[0][c[0].length - 1]));
        }
        System.out.print(sources);
        System.out.println();
        System.out.print(SpikeValidation.markdown(List.of("loss", "grad_norm"), List.of(losses, norms), windows, ks, sizes));
        return 0;
    }

    /** The loss and grad_norm curves of one run, by step. */
    private static double[][] read(Path run) {
        Path file = run.resolve("metrics.jsonl");
        if (!Files.isRegularFile(file)) throw new UserError(run + " has no metrics.jsonl: pass directories written by spikelab train");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + AtomicFiles.describe(e));
        }
        List<double[]> rows = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) continue;
            try {
                JsonObject m = JsonParser.parseString(line).getAsJsonObject();
                if (m.get("step").getAsInt() != rows.size() + 1) throw new IllegalStateException();
                rows.add(new double[] {Json.toDouble(m.get("loss")), Json.toDouble(m.get("grad_norm"))});
            } catch (RuntimeException e) {
                throw new UserError(file + " line " + (rows.size() + 1) + " is not step " + (rows.size() + 1) + " with a loss and grad_norm: the run directory is damaged");
            }
        }
        if (rows.size() < 2) throw new UserError(file + " has " + rows.size() + " steps: a curve needs at least 2");
        double[][] c = new double[2][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            c[0][i] = rows.get(i)[0];
            c[1][i] = rows.get(i)[1];
        }
        return c;
    }
}
