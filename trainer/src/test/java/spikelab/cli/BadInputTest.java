package spikelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input gets exit status 2, exactly one line on stderr that names the problem,
 * no stack trace, and no run directory left behind.
 */
class BadInputTest {
    @TempDir
    static Path tmp;

    static Stream<Arguments> cases() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty.txt"));
        Path tiny = tmp.resolve("tiny.txt");
        Files.writeString(tiny, "to be or not to be, that is the question\n");
        Path aFile = Files.writeString(tmp.resolve("a-file"), "not a directory");
        return Stream.of(
                Arguments.of("missing data file", List.of("--data", tmp.resolve("nope.txt").toString()), "does not exist"),
                Arguments.of("empty data file", List.of("--data", empty.toString()), "is empty"),
                Arguments.of("unknown activation", List.of("--activation", "swish9"), "unknown activation 'swish9'"),
                Arguments.of("unknown option", List.of("--bogus", "1"), "Unknown options: '--bogus'"),
                Arguments.of("heads not dividing d-model", List.of("--d-model", "30", "--heads", "4"), "not divisible by --heads 4"),
                Arguments.of("zero layers", List.of("--layers", "0"), "--layers must be positive"),
                Arguments.of("negative steps", List.of("--steps", "-5"), "--steps must be positive"),
                Arguments.of("zero batch", List.of("--batch", "0"), "--batch must be positive"),
                Arguments.of("zero context", List.of("--context", "0"), "--context must be positive"),
                Arguments.of("negative lr", List.of("--lr", "-1e-3"), "--lr must be a positive finite number"),
                Arguments.of("NaN lr", List.of("--lr", "NaN"), "--lr must be a positive finite number"),
                Arguments.of("context longer than the corpus", List.of("--data", tiny.toString(), "--context", "64"), "longer than"),
                Arguments.of("unknown tokenizer", List.of("--tokenizer", "bpe"), "unknown tokenizer 'bpe'"),
                Arguments.of("unknown device", List.of("--device", "tpu"), "unknown --device 'tpu'"),
                Arguments.of("malformed GPU number", List.of("--device", "cuda:one"),
                        "unknown --device 'cuda:one': use cpu, cuda, cuda:N (GPU number N, from 0) or auto"),
                Arguments.of("unknown precision", List.of("--precision", "fp16"), "--precision: unknown precision 'fp16': choose fp32, tf32, bf16 or bf16-autocast"),
                Arguments.of("bf16-autocast on a GPU", List.of("--device", "cuda", "--precision", "bf16-autocast"),
                        "--device cuda: --precision bf16-autocast is emulated on the CPU backend only"),
                Arguments.of("--tf32 with bf16-autocast", List.of("--tf32", "--precision", "bf16-autocast"),
                        "--tf32 and --precision bf16-autocast contradict each other"),
                Arguments.of("--tf32 with bf16", List.of("--tf32", "--precision", "bf16"), "--tf32 and --precision bf16 contradict each other"),
                Arguments.of("tf32 on the CPU", List.of("--device", "cpu", "--precision", "tf32"), "--precision tf32 (or --tf32) is a CUDA tensor-core mode"),
                Arguments.of("CUDA graphs on the CPU", List.of("--device", "cpu", "--cuda-graphs"), "--cuda-graphs records GPU work and this run is on the CPU"),
                Arguments.of("--out under a file", List.of("--out", aFile.resolve("run").toString()), "is not a directory): choose a writable --out"),
                Arguments.of("--out already holds a run", List.of("--out", existingRun().toString()), "already holds a run"));
    }

    private static Path existingRun() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("old-run"));
        Files.writeString(run.resolve("summary.json"), "{}");
        return run;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void oneClearLineAndNothingWritten(String what, List<String> bad, String expected) throws IOException {
        Path out = tmp.resolve("run-" + what.replace(' ', '-'));
        List<String> args = new ArrayList<>(List.of("train", "--data", "synthetic", "--steps", "2", "--layers", "1", "--d-model", "16",
                "--heads", "2", "--context", "16", "--batch", "2", "--device", "cpu", "--out", out.toString()));
        args.addAll(bad);   // later options win
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args.toArray(new String[0]));
        String message = err.toString().strip();
        assertEquals(2, status, what + ": " + message);
        assertEquals(1, message.lines().count(), "one line expected, got:\n" + message);
        assertTrue(message.startsWith("error: "), message);
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
        assertFalse(message.contains("Exception") || message.contains("\tat "), "stack trace leaked: " + message);
        assertFalse(Files.exists(out), what + " left " + out + " behind");
        if (what.equals("--out under a file")) assertFalse(Files.exists(Path.of(bad.get(1))));
        if (what.equals("--out already holds a run")) {
            assertEquals(List.of("summary.json"), listNames(Path.of(bad.get(1))), "the old run was touched");
        }
    }

    private static List<String> listNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(java.util.stream.Collectors.toList());
        }
    }

    @Test
    void unwritableOutWhenNotRoot() throws IOException {
        Path ro = Files.createDirectories(tmp.resolve("readonly"));
        ro.toFile().setWritable(false);
        if (Files.isWritable(ro)) System.out.println("[test skipped] running as root, which can write anywhere: no unwritable --out to test");
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(ro), "running as root, which can write anywhere");
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "train", "--data", "synthetic", "--steps", "1",
                "--layers", "1", "--d-model", "16", "--heads", "2", "--context", "16", "--out", ro.resolve("run").toString());
        assertEquals(2, status);
        assertTrue(err.toString().contains("is not writable: choose a writable --out"), err.toString());
    }

    @ParameterizedTest(name = "GPU asked for where none is usable")
    @MethodSource("noGpu")
    void cudaWithoutGpuIsOneLine(String device) {
        StringWriter err = new StringWriter();
        Path out = tmp.resolve("cuda-run");
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
                "train", "--data", "synthetic", "--steps", "1", "--layers", "1", "--d-model", "16", "--heads", "2", "--context", "16",
                "--batch", "2", "--device", device, "--out", out.toString());
        String message = err.toString().strip();
        assertEquals(2, status, message);
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.startsWith("error: --device cuda: "), message);
        assertFalse(Files.exists(out));
    }

    static Stream<String> noGpu() {
        org.junit.jupiter.api.Assumptions.assumeTrue(spikelab.train.Devices.cudaUnavailableReason() != null,
                "a usable GPU is present, so --device cuda is not an error here");
        return Arrays.stream(new String[] {"cuda"});
    }
}
