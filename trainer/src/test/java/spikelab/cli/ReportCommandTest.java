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

    @Test
    void lrsAndSeedsRestrictTheReportAndSaySo() throws IOException {
        Path sweep = tmp.resolve("sweep"), out = tmp.resolve("part");
        for (long seed = 1; seed <= 3; seed++) {
            for (double lr : new double[] {1e-3, 3e-3, 1e-2}) {
                SyntheticRuns.write(sweep.resolve("gelu-L2-s" + seed + "-lr" + lr), "gelu", 2, seed, lr, 10, 10, 4.2, 2.5, false);
            }
        }
        StringWriter err = new StringWriter();
        assertEquals(0, report(err, sweep.toString(), "--out", out.toString(), "--lrs", "3e-3,1e-2", "--seeds", "2,3"),
                err.toString());
        // header + 2 lrs x 2 seeds
        assertEquals(5, Files.readAllLines(out.resolve("summary.csv")).size());
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("\n\nRestricted to the runs with lr 3e-3, 1e-2 and seed 2, 3: 4 of the 9 found.\n\n"), md);
        assertFalse(md.contains("| 1e-3 |"), md);

        err = new StringWriter();
        assertEquals(2, report(err, sweep.toString(), "--out", out.toString(), "--lrs", "3e-2"));
        assertEquals("error: none of the 9 runs found has lr 3e-2: see summary.csv of a report without the filter for "
                + "the lrs and seeds there are", err.toString().trim());
        err = new StringWriter();
        assertEquals(2, report(err, sweep.toString(), "--out", out.toString(), "--lrs", "-1e-3"));
        assertEquals("error: --lrs must be positive finite numbers, got -0.001: use e.g. --lrs 1e-3,3e-3", err.toString().trim());
    }
}
