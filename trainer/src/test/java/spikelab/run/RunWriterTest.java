package spikelab.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import spikelab.run.UserError;

/** Run-file lines are written whole; a full disk is one line naming the file. */
class RunWriterTest {
    @TempDir
    Path tmp;

    @Test
    void linesAreWholeAndAppendContinuesTheFile() throws Exception {
        try (RunWriter w = RunWriter.create(tmp.resolve("r"))) {
            JsonObject o = new JsonObject();
            o.addProperty("step", 1);
            w.metric(o);
        }
        try (RunWriter w = RunWriter.append(tmp.resolve("r"))) {
            JsonObject o = new JsonObject();
            o.addProperty("step", 2);
            w.metric(o);
        }
        assertEquals("{\"step\":1}\n{\"step\":2}\n", Files.readString(tmp.resolve("r/metrics.jsonl")));
    }

    @Test
    void aFullDiskIsOneLineNamingTheFile() throws Exception {
        Path full = Path.of("/dev/full");
        Assumptions.assumeTrue(Files.isWritable(full), "skipped: no /dev/full to stand for a full disk");
        Path dir = Files.createDirectories(tmp.resolve("r"));
        Files.createSymbolicLink(dir.resolve("metrics.jsonl"), full);
        try (RunWriter w = RunWriter.append(dir)) {
            JsonObject o = new JsonObject();
            o.addProperty("step", 1);
            UserError e = assertThrows(UserError.class, () -> w.metric(o));
            assertEquals("cannot write " + dir.resolve("metrics.jsonl") + ": no space left on device", e.getMessage());
        }
    }
}
