package spikelab.cli;

import spikelab.run.UserError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import spikelab.model.Rng;

class GenerateCommandTest {
    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void trainTinyModel() {
        run = tmp.resolve("run");
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "train", "--data", "synthetic", "--device", "cpu",
                "--layers", "1", "--d-model", "32", "--heads", "2", "--context", "16", "--batch", "8", "--steps", "40",
                "--lr", "1e-2", "--warmup", "5", "--eval-every", "40", "--eval-batches", "1", "--no-progress",
                "--out", run.toString());
        assertEquals(0, status, err.toString());
    }

    /** stdout of {@code generate}, or the UserError it throws. */
    static String generate(String... args) {
        GenerateCommand g = new GenerateCommand();
        CommandLine cl = new CommandLine(g);
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.parseArgs(args);
        g.call();
        return out.toString();
    }

    @Test
    void sameSeedSameTextAndTopOneIsGreedy() {
        String file = run.resolve("model.safetensors").toString();
        String a = generate("--checkpoint", file, "--prompt", "the ", "--tokens", "60", "--seed", "3", "--threads", "1");
        String b = generate("--checkpoint", run.toString(), "--prompt", "the ", "--tokens", "60", "--seed", "3", "--threads", "2");
        String c = generate("--checkpoint", file, "--prompt", "the ", "--tokens", "60", "--seed", "4");
        assertEquals(a, b, "a seed fixes the text, whatever the thread count (and a run dir works as --checkpoint)");
        assertNotEquals(a, c, "another seed samples other text");
        assertTrue(a.startsWith("the ") && a.codePointCount(0, a.length()) == 4 + 60 + 1, a);
        String greedy = generate("--checkpoint", file, "--prompt", "the ", "--tokens", "30", "--temperature", "0");
        assertEquals(greedy, generate("--checkpoint", file, "--prompt", "the ", "--tokens", "30", "--top-k", "1", "--seed", "9"));
    }

    @Test
    void topKSamplesOnlyTheKMostLikely() {
        float[] logits = {0f, 3f, -1f, 2.5f, 2.9f, 1f, 3f};
        int[] seen = new int[logits.length];
        Rng rng = new Rng(1);
        for (int i = 0; i < 3000; i++) seen[GenerateCommand.pick(logits, 0, logits.length, 1.0, 3, rng)]++;
        // top 3: ids 1 and 6 (3.0, tie kept in id order) and 4 (2.9)
        for (int j : new int[] {0, 2, 3, 5}) assertEquals(0, seen[j], "id " + j + " is outside the top 3");
        for (int j : new int[] {1, 4, 6}) assertTrue(seen[j] > 800, "id " + j + " drawn " + seen[j] + " times");
        assertEquals(1, GenerateCommand.pick(logits, 0, logits.length, 0, 0, rng), "greedy takes the lower id on ties");
        float[] two = {9f, 1f, 2f, 5f};
        assertEquals(1, GenerateCommand.pick(two, 2, 2, 0, 0, rng), "the row at offset 2 is {2, 5}: its id 1 wins");
    }

    @Test
    void badInputIsOneClearError() throws Exception {
        String file = run.resolve("model.safetensors").toString();
        assertEquals("--prompt: " + messageOf(() -> spikelab.data.Tokenizers.fromSpec(
                        spikelab.train.Checkpoint.meta(spikelab.io.SafeTensors.open(Path.of(file))).tokenizerSpec()).encode("Ω")),
                assertThrows(UserError.class, () -> generate("--checkpoint", file, "--prompt", "Ω")).getMessage());
        assertEquals("--top-k must be 0 (all tokens) or positive, got -1",
                assertThrows(UserError.class, () -> generate("--checkpoint", file, "--prompt", "a", "--top-k", "-1")).getMessage());
        Path missing = tmp.resolve("nope.safetensors");
        assertEquals("checkpoint " + missing + " does not exist: pass a model.safetensors written by spikelab train, "
                + "or the run directory holding it",
                assertThrows(UserError.class, () -> generate("--checkpoint", missing.toString(), "--prompt", "a")).getMessage());
        Path cut = tmp.resolve("cut.safetensors");
        byte[] bytes = Files.readAllBytes(Path.of(file));
        Files.write(cut, java.util.Arrays.copyOf(bytes, 100));
        String m = assertThrows(UserError.class, () -> generate("--checkpoint", cut.toString(), "--prompt", "a")).getMessage();
        assertTrue(m.startsWith("unreadable checkpoint: " + cut + ": header length is ") && m.endsWith("the file is truncated"), m);
    }

    private static String messageOf(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }
}
