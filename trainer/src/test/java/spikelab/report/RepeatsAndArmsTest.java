package spikelab.report;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report counts each experiment once (a run in two sweep directories is one seed, not two)
 * and never averages together runs whose config.json differs in a setting, whichever it is.
 */
class RepeatsAndArmsTest {
    @TempDir
    Path tmp;

    /** relu and reglu at depth 2, seeds 1-3, lr 1e-3 and 1e-2: 12 runs. */
    private Path sweep(Path dir) throws IOException {
        for (String act : List.of("relu", "reglu")) {
            for (long seed = 1; seed <= 3; seed++) {
                for (double lr : List.of(1e-3, 1e-2)) {
                    double fin = 2.0 + 0.01 * seed + (lr == 1e-2 ? 0.2 : 0) - (act.equals("reglu") ? 0.05 : 0);
                    SyntheticRuns.write(dir.resolve("runs").resolve(act + "-L2-s" + seed + "-lr" + RunData.lrLabel(lr)),
                            act, 2, seed, lr, 30, 30, 4.2, fin, false);
                }
            }
        }
        return dir;
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
    }

    /** Sets a config.json key in every run of a sweep. */
    private static void setEverywhere(Path sweep, String key, Object value) throws IOException {
        try (Stream<Path> runs = Files.list(sweep.resolve("runs"))) {
            for (Path r : (Iterable<Path>) runs::iterator) SyntheticRuns.set(r, "config.json", key, value);
        }
    }

    private static Report.Result report(Path out, Path... dirs) throws IOException {
        return Report.write(RunData.find(List.of(dirs)), out, (cells, d) -> List.of());
    }

    @Test
    void aSweepReportedTwiceCountsEachRunOnce() throws IOException {
        Path a = sweep(tmp.resolve("a")), b = tmp.resolve("b");
        copy(a, b);
        Report.Result alone = report(tmp.resolve("alone"), a);
        Report.Result both = report(tmp.resolve("both"), a, b);
        assertEquals(12, both.runs);
        assertEquals(12, both.repeats);
        assertTrue(both.line().contains("12 runs (12 repeats of other runs left out)"), both.line());
        assertEquals(13, Files.readAllLines(both.csv).size(), "one summary.csv row per experiment");
        String md = Files.readString(both.markdown), one = Files.readString(alone.markdown);
        assertTrue(md.contains("**Repeated runs:** 12 runs repeat the activation, depth, lr, seed and settings of a run "
                + "listed before them"), md);
        assertTrue(md.contains("to the bit in 12 of 12."), md);
        // everything after the note is what the sweep alone gives: no seed counted twice
        assertEquals(one.substring(one.indexOf("## Claims")), md.substring(md.indexOf("## Claims")));
        assertTrue(md.contains("| relu | 2 | 6 | 1e-3 |"), md);

        // a rerun that ended elsewhere (other code, another device) is still one experiment; the note says by how much
        SyntheticRuns.set(b.resolve("runs/reglu-L2-s2-lr1e-2"), "summary.json", "final_val_loss", 2.2 + 0.02 - 0.05 + 0.0125);
        String md2 = Files.readString(report(tmp.resolve("both2"), a, b).markdown);
        assertTrue(md2.contains("to the bit in 11 of 12; the largest difference is 0.0125 (other code, or another device)."), md2);
        assertEquals(one.substring(one.indexOf("## Claims")), md2.substring(md2.indexOf("## Claims")), "the first listed is kept");
    }

    @Test
    void runsThatDifferOnlyInBatchAreTwoArmsNotOneCell() throws IOException {
        Path a = sweep(tmp.resolve("b8")), b = tmp.resolve("b16");
        copy(a, b);
        setEverywhere(a, "batch", 8);
        setEverywhere(b, "batch", 16);
        Report.Result r = report(tmp.resolve("out"), a, b);
        assertEquals(24, r.runs);
        assertEquals(0, r.repeats);
        String md = Files.readString(r.markdown);
        assertTrue(md.contains("| relu batch 8 | 2 | 6 | 1e-3 |"), md);
        assertTrue(md.contains("| relu batch 16 | 2 | 6 | 1e-3 |"), md);
        assertFalse(md.contains("Repeated runs"), md);
        // claim 1 is tested in each arm apart
        assertTrue(md.contains("| reglu − relu (parameters +0.0%) | batch 8 |"), md);
        assertTrue(md.contains("| reglu − relu (parameters +0.0%) | batch 16 |"), md);
    }

    @Test
    void aSettingOneRunDoesNotRecordIsUnknownNotAMatch() throws IOException {
        Path a = sweep(tmp.resolve("new")), b = tmp.resolve("old");
        copy(a, b);
        // the newer runs record heads 4; the older copies lack the key: "?" keeps them apart, never a repeat
        setEverywhere(a, "heads", 4);
        Report.Result r = report(tmp.resolve("out"), a, b);
        assertEquals(0, r.repeats);
        String md = Files.readString(r.markdown);
        assertTrue(md.contains("| relu heads 4 | 2 | 6 |"), md);
        assertTrue(md.contains("| relu heads ? | 2 | 6 |"), md);
    }
}
