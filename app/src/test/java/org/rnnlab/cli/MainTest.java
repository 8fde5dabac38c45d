package org.rnnlab.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class MainTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private static void assertOneLineError(Run r, String... fragments) {
        assertEquals(2, r.code(), r.err());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("rnnlab: error: "), r.err());
        for (String f : fragments) {
            assertTrue(first.contains(f), "expected '" + f + "' in: " + first);
        }
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void helpAndVersion() {
        Run help = run("--help");
        assertEquals(0, help.code());
        for (String sub : new String[] {"train", "eval", "sample"}) {
            assertTrue(help.out().contains(sub), help.out());
            assertEquals(0, run(sub, "--help").code());
        }
        Run version = run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("rnnlab "), version.out());
        assertTrue(version.out().contains("backend: cpu") || version.out().contains("backend: cuda"), version.out());
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        assertOneLineError(run("frobnicate"), "frobnicate");
        assertOneLineError(run("train", "--no-such-flag"), "--no-such-flag");
        assertOneLineError(run("eval"), "--model");
        assertOneLineError(run("sample", "--model", "x.zip", "--length", "many"), "--length");
        assertEquals(2, run().code(), "no subcommand is a usage error");
    }

    @Test
    void inputErrorsExitTwoWithOneLine() throws Exception {
        assertOneLineError(run("train", "--config", dir.resolve("missing.yaml").toString()), "missing.yaml", "not found");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "task: lm\ntrain:\n  epochs: 0\n");
        assertOneLineError(run("train", "--config", bad.toString(), "--run-dir", dir.resolve("run").toString()),
                "bad.yaml", "train.epochs");
        assertFalse(Files.exists(dir.resolve("run")), "a rejected config leaves no run directory");
        assertOneLineError(run("eval", "--model", dir.resolve("nope.zip").toString()), "nope.zip", "not found");
        Path notZip = dir.resolve("model.zip");
        Files.writeString(notZip, "this is not a zip");
        assertOneLineError(run("sample", "--model", notZip.toString()), "model.zip");
        assertOneLineError(run("train", "--resume", dir.toString()), "checkpoint.zip");
        // A finished run's folder is refused before any data is looked for (the data path here does not exist).
        Path used = Files.createDirectories(dir.resolve("used"));
        Files.writeString(used.resolve("checkpoint.zip"), "kept");
        Path imdb = dir.resolve("imdb.yaml");
        Files.writeString(imdb, "task: sentiment\n");
        assertOneLineError(run("train", "--config", imdb.toString(), "--data", dir.resolve("no-data").toString(),
                "--run-dir", used.toString()), used.toString(), "already holds a run", "--resume");
        assertEquals("kept", Files.readString(used.resolve("checkpoint.zip")));
        // Resuming may change training values but not the network, which the checkpoint holds.
        Files.writeString(used.resolve("config.yaml"), "task: sentiment\n");
        assertOneLineError(run("train", "--resume", used.toString(), "--set", "model.hidden_size=300"),
                "model.*", "config.yaml");
        assertEquals("task: sentiment\n", Files.readString(used.resolve("config.yaml")));
        assertOneLineError(run("sample", "--model", notZip.toString(), "--temperature", "-1"), "--temperature");
    }

    @Test
    void completionScriptCanBeGenerated() {
        Run r = run("generate-completion");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("rnnlab"), r.out());
        assertFalse(run("--help").out().contains("generate-completion"), "hidden from the main help");
    }
}
