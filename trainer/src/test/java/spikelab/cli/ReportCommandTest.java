package spikelab.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import spikelab.report.SyntheticRuns;

class ReportCommandTest {
    @TempDir
    Path tmp;

    private int report(StringWriter err, String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "report";
        System.arraycopy(args, 0, full, 1, args.length);
        return Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), full);
    }

    @Test
    void mergesRunDirectoriesGivenOneByOne() throws IOException {
        Path a = tmp.resolve("a"), b = tmp.resolve("b"), out = tmp.resolve("merged");
        SyntheticRuns.write(a, "gelu", 2, 1, 1e-3, 10, 10, 4.2, 2.5, false);
        SyntheticRuns.write(b, "geglu", 2, 1, 1e-3, 10, 10, 4.2, 2.4, false);
        StringWriter err = new StringWriter();
        assertEquals(0, report(err, a.toString(), b.toString(), "--out", out.toString()), err.toString());
        assertEquals(3, Files.readAllLines(out.resolve("summary.csv")).size());
        assertTrue(Files.readString(out.resolve("report.md")).contains("| geglu | 2 | 1 | 1e-3 | 2.4000 |"));
    }

    @Test
    void errorsAreOneLine() throws IOException {
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        SyntheticRuns.write(a, "gelu", 2, 1, 1e-3, 10, 10, 4.2, 2.5, false);
        SyntheticRuns.write(b, "gelu", 2, 2, 1e-3, 10, 10, 4.2, 2.5, false);
        StringWriter err = new StringWriter();
        assertEquals(2, report(err, a.toString(), b.toString()));
        assertEquals("error: report on 2 directories needs --out DIR to say where the report goes", err.toString().trim());
        err = new StringWriter();
        assertEquals(2, report(err, tmp.resolve("nope").toString()));
        assertEquals("error: " + tmp.resolve("nope") + " does not exist: pass run or sweep directories", err.toString().trim());
    }
}
