package spikelab.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad values of the stability options and of {@code spikelab detectors}: exit 2, one line naming the fix. */
class StabilityOptionsTest {
    @TempDir
    static Path tmp;

    static Stream<Arguments> cases() {
        String out = tmp.resolve("never").toString();
        List<String> train = List.of("train", "--steps", "2", "--layers", "1", "--d-model", "16", "--heads", "2",
                "--context", "16", "--batch", "2", "--device", "cpu", "--out", out);
        return Stream.of(
                Arguments.of(with(train, "--diverge-patience", "0"), "error: --diverge-patience must be at least 1 step, got 0: use e.g. --diverge-patience 10"),
                Arguments.of(with(train, "--stall-margin", "-0.5"), "error: --stall-margin must be 0 or more nats, got -0.5: use e.g. --stall-margin 0.1"),
                Arguments.of(with(train, "--spike-rule", "zscore"), "error: unknown --spike-rule 'zscore': use robust or meanstd"),
                Arguments.of(List.of("detectors", tmp.toString()), "error: " + tmp + " has no metrics.jsonl: pass directories written by spikelab train"),
                Arguments.of(List.of("detectors", "--settings", "100", tmp.toString()), "error: --settings entry '100' is not W:K: use e.g. --settings 100:6,1000:7"),
                Arguments.of(List.of("detectors", "--sizes", "0", tmp.toString()), "error: --sizes must be positive fractions, got 0.0: use e.g. --sizes 0.1,0.5"));
    }

    private static List<String> with(List<String> base, String... more) {
        List<String> l = new ArrayList<>(base);
        l.addAll(List.of(more));
        return l;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void oneLineNamingTheFix(List<String> args, String expected) {
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args.toArray(new String[0]));
        assertEquals(2, status, err.toString());
        assertEquals(expected, err.toString().strip());
        assertFalse(Files.exists(tmp.resolve("never")));
    }
}
