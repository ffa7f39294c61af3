package spikelab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import spikelab.cli.Main;

/**
 * A CPU run's bits do not depend on the machine's vector width: the kernels fix their summation
 * order (chains, tile sums) independently of how many lanes a register holds, so a laptop with
 * AVX2, a server with AVX-512 and a JVM without the Vector API train the same model. Checked by
 * training in this JVM and in child JVMs capped at 128-bit vectors and without jdk.incubator.vector.
 */
class VectorWidthDeterminismTest {
    @TempDir
    Path tmp;

    private static final List<String> TINY = List.of("train", "--data", "synthetic", "--device", "cpu", "--layers", "2",
            "--d-model", "32", "--heads", "2", "--context", "32", "--batch", "8", "--steps", "6", "--eval-every", "3",
            "--eval-batches", "2", "--probe-every", "3", "--seed", "11", "--threads", "1", "--no-progress",
            "--log-every", "1000");

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "bf16"})
    void sameBitsWithWideNarrowAndNoVectors(String precision) throws Exception {
        Path here = tmp.resolve("here"), narrow = tmp.resolve("narrow"), plain = tmp.resolve("plain");
        List<String> args = new ArrayList<>(TINY);
        args.addAll(List.of("--precision", precision));

        List<String> inProcess = new ArrayList<>(args);
        inProcess.addAll(List.of("--out", here.toString()));
        StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), inProcess.toArray(new String[0])),
                err.toString());
        child(List.of("--add-modules=jdk.incubator.vector", "-XX:MaxVectorSize=16"), args, narrow);
        child(List.of(), args, plain);

        String deviceHere = device(here), deviceNarrow = device(narrow), devicePlain = device(plain);
        Assumptions.assumeFalse(deviceHere.equals(deviceNarrow),
                "this JVM's vectors are already 128-bit (" + deviceHere + "): no wider width to compare; test skipped");
        assertNotEquals(deviceHere, devicePlain, "the child without jdk.incubator.vector should use plain Java kernels");

        byte[] weights = Files.readAllBytes(here.resolve("model.safetensors"));
        assertArrayEquals(weights, Files.readAllBytes(narrow.resolve("model.safetensors")),
                deviceHere + " vs " + deviceNarrow + ": weights differ after 6 steps");
        assertArrayEquals(weights, Files.readAllBytes(plain.resolve("model.safetensors")),
                deviceHere + " vs " + devicePlain + ": weights differ after 6 steps");
        List<String> metrics = measured(here);
        assertEquals(metrics, measured(narrow), "per-step measurements, " + deviceNarrow);
        assertEquals(metrics, measured(plain), "per-step measurements, " + devicePlain);
    }

    /** Runs spikelab in a fresh JVM with the given JVM options; fails with its output if it fails. */
    private static void child(List<String> jvmOptions, List<String> args, Path out) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"), "spikelab.cli.Main"));
        cmd.addAll(args);
        cmd.addAll(List.of("--out", out.toString()));
        Path log = out.resolveSibling(out.getFileName() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not finish in 120 s: " + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), () -> "child JVM " + jvmOptions + " failed:\n" + readQuietly(log));
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String device(Path run) throws IOException {
        return JsonParser.parseString(Files.readString(run.resolve("summary.json"))).getAsJsonObject().get("device")
                .getAsString();
    }

    /** Each metrics line without its timings (tokens/s and elapsed time differ between any two runs). */
    private static List<String> measured(Path run) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            var o = JsonParser.parseString(line).getAsJsonObject();
            o.remove("tokens_per_s");
            o.remove("elapsed_s");
            out.add(o.toString());
        }
        return out;
    }
}
