package org.rnnlab.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.model.FileSink;
import org.rnnlab.train.RunLock;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fault suite, in process through {@link Main}: a run folder in use, a full disk, junk input and
 * the console's share of each (one line, no stack trace, the documented exit code).
 */
class FaultsTest {

    @TempDir
    Path dir;

    @AfterEach
    void diskHasSpaceAgain() {
        FileSink.failAfter(-1);
    }

    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private static void assertOneLine(Run r, int code, String... fragments) {
        assertEquals(code, r.code(), r.out() + r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("rnnlab: error: "), r.err());
        for (String f : fragments) {
            assertTrue(lines.get(0).contains(f), "expected '" + f + "' in: " + lines.get(0));
        }
    }

    static List<String> sentences(int n, long seed) {
        String[] words = {"the", "cat", "a", "dog", "sees", "likes", "ball", "tree", "house", "food"};
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            for (int j = 0; j < 8; j++) {
                s.append(j == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
            }
            out.add(s.toString());
        }
        return out;
    }

    private Path corpus() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.write(data.resolve("tiny.train.txt"), sentences(100, 1));
        Files.write(data.resolve("tiny.valid.txt"), sentences(10, 2));
        Files.write(data.resolve("tiny.test.txt"), sentences(10, 3));
        return data;
    }

    private Path config() throws Exception {
        return Files.writeString(dir.resolve("tiny.yaml"), """
                task: lm
                seed: 7
                data: {vocab_size: 20}
                model: {cell: lstm, layers: 1, hidden_size: 8, dropout: 0.0, init_scale: 0.1}
                train: {batch_size: 2, num_steps: 4, epochs: 2, learning_rate: 1.0, max_epoch: 1, lr_decay: 0.5}
                """);
    }

    private static List<String> temporaryFiles(Path run) throws Exception {
        try (Stream<Path> s = Files.list(run)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains("tmp")).toList();
        }
    }

    /** What a command printed on each stream, with the application's own logging (not the tests'). */
    record Console(Run run, String stderr) {
        String all() {
            return run.out() + "\n" + stderr + "\n" + run.err();
        }
    }

    /**
     * Runs a command with rnnlab's production {@code log4j2.xml} (the tests' own configuration logs
     * everything to the console) and standard error captured: what a user sees.
     */
    private static Console asAUserSeesIt(String... args) throws Exception {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        URI testConfig = ctx.getConfigLocation();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            ctx.setConfigLocation(Main.class.getResource("/log4j2.xml").toURI());
            return new Console(run(args), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
            System.clearProperty("rnnlab.run.log");
            ctx.setConfigLocation(testConfig);
        }
    }

    @Test
    void eachEpochSummaryReachesTheConsoleOnce() throws Exception {
        // Defect 9: the log printed "Epoch 1/2: ..." on the console and the command "epoch 1: ..." after it.
        Console c = asAUserSeesIt("train", "--config", config().toString(), "--data", corpus().toString(), "--run-dir",
                dir.resolve("run").toString());
        assertEquals(0, c.run().code(), c.all());
        Pattern summary = Pattern.compile("(?i)^epoch 1\\b.*valid (ppl|perplexity).*");
        assertEquals(1, c.all().lines().filter(l -> summary.matcher(l).matches()).count(), c.all());
        assertTrue(c.run().out().lines().anyMatch(l -> summary.matcher(l).matches()), "on standard output: " + c.all());
        String log = Files.readString(dir.resolve("run").resolve("rnnlab.log"));
        assertTrue(log.lines().anyMatch(l -> l.contains("epoch 1: train perplexity")), "and in the run log: " + log);
    }

    @Test
    void aRunFolderInUseIsRefusedNamingTheProcess() throws Exception {
        Path run = Files.createDirectories(dir.resolve("busy"));
        Files.writeString(run.resolve("checkpoint.zip"), "not read: the lock is checked first");
        String pid = "process " + ProcessHandle.current().pid();
        try (RunLock held = RunLock.acquire(run)) {
            assertOneLine(run("train", "--resume", run.toString()), 2, run.toString(), "in use by another training",
                    pid);
        }
        // A training that has not written its first checkpoint yet: still "in use", not "nothing to resume".
        Path starting = Files.createDirectories(dir.resolve("starting"));
        try (RunLock held = RunLock.acquire(starting)) {
            assertOneLine(run("train", "--resume", starting.toString()), 2, "in use by another training", pid);
        }
        Path fresh = Files.createDirectories(dir.resolve("fresh"));
        try (RunLock held = RunLock.acquire(fresh)) {
            assertOneLine(run("train", "--config", config().toString(), "--data", corpus().toString(), "--run-dir",
                    fresh.toString()), 2, "in use by another training", pid);
        }
        assertFalse(Files.exists(fresh.resolve("config.yaml")), "the refused run wrote nothing");
    }

    @Test
    void aFullDiskIsOneLineWithExitFourAndLeavesNoTemporaryFile() throws Exception {
        FileSink.failAfter(1000);
        Path run = dir.resolve("full");
        Console c = asAUserSeesIt("train", "--config", config().toString(), "--data", corpus().toString(), "--run-dir",
                run.toString());
        assertOneLine(c.run(), 4, "cannot write " + run.resolve("checkpoint.zip"), "no space left on the device",
                "it needs about");
        assertFalse(c.all().contains("\tat ") || c.all().contains("Exception"), "no stack trace on the console: " + c.all());
        assertEquals(List.of(), temporaryFiles(run));
        assertFalse(Files.exists(run.resolve("checkpoint.zip")));
        assertTrue(Files.readString(run.resolve("rnnlab.log")).contains("\tat "), "the stack trace is in the log");
    }

    @Test
    void aCorpusThatIsNotUtf8IsRefusedNamingLineAndOffsetAndReadWithAnEncoding() throws Exception {
        Path data = corpus();
        List<String> lines = new ArrayList<>(sentences(100, 1));
        lines.set(2, "the caf\u00e9 likes a dog");
        Files.write(data.resolve("tiny.train.txt"), lines, StandardCharsets.ISO_8859_1);
        int offset = lines.get(0).length() + lines.get(1).length() + 2 + "the caf".length();
        Path run = dir.resolve("latin");
        assertOneLine(run("train", "--config", config().toString(), "--data", data.toString(), "--run-dir",
                run.toString()), 2, data.resolve("tiny.train.txt").toString(), "not UTF-8 text",
                "invalid byte 0xE9 at line 3, byte offset " + offset, "data.encoding");
        Run ok = run("train", "--config", config().toString(), "--data", data.toString(), "--run-dir",
                run.toString(), "--set", "data.encoding=latin-1", "--set", "train.epochs=1");
        assertEquals(0, ok.code(), ok.err());

        byte[] junk = new byte[20_000];
        new Random(5).nextBytes(junk);
        Files.write(data.resolve("tiny.train.txt"), junk);
        assertOneLine(run("train", "--config", config().toString(), "--data", data.toString(), "--run-dir",
                dir.resolve("junk").toString()), 2, "tiny.train.txt", "byte offset");
        assertFalse(Files.exists(dir.resolve("junk").resolve("checkpoint.zip")));
    }

    @Test
    void nulBytesAndControlCharactersAreNotText() throws Exception {
        Path data = corpus();
        Files.writeString(data.resolve("tiny.valid.txt"), "the cat\nsees a\u0000dog\n");
        assertOneLine(run("train", "--config", config().toString(), "--data", data.toString(), "--run-dir",
                dir.resolve("nul").toString()), 2, "tiny.valid.txt", "NUL byte at line 2, byte offset 14");
        Files.writeString(data.resolve("tiny.valid.txt"), "the cat\u0001\u0002\u0003\u0004\u0005\u0006\n");
        assertOneLine(run("train", "--config", config().toString(), "--data", data.toString(), "--run-dir",
                dir.resolve("ctl").toString()), 2, "tiny.valid.txt", "control characters",
                "line 1, byte offset 7");
    }
}
