package org.rnnlab.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C as a user sends it: a real {@code rnnlab train} process gets SIGINT (Ctrl-C) or SIGTERM ({@code kill}, a
 * batch system's stop) while it trains, and must write its checkpoint, print how to resume and exit with the shell's
 * code for that signal (a signal cannot be raised inside the test's own JVM).
 */
@Tag("slow")
class InterruptProcessTest {

    @TempDir
    Path tmp;

    private static List<String> sentences(int n, long seed) {
        String[] words = {"the", "cat", "a", "dog", "sees", "likes", "ball", "tree", "house", "food"};
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            for (int j = 0; j < 8; j++) {
                s.append(' ').append(words[r.nextInt(words.length)]);
            }
            out.add(s.toString());
        }
        return out;
    }

    @ParameterizedTest(name = "SIG{0}")
    @CsvSource({"INT, 130", "TERM, 143"})
    void aSignalDuringTrainingSavesACheckpointAndPrintsHowToResume(String signal, int exitCode) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.write(data.resolve("tiny.train.txt"), sentences(2000, 1));
        Files.write(data.resolve("tiny.valid.txt"), sentences(20, 2));
        Files.write(data.resolve("tiny.test.txt"), sentences(20, 3));
        Path config = Files.writeString(tmp.resolve("tiny.yaml"), """
                task: lm
                seed: 7
                data: {vocab_size: 20}
                model: {cell: lstm, layers: 1, hidden_size: 8, dropout: 0.0, init_scale: 0.1}
                train: {batch_size: 2, num_steps: 4, epochs: 100000, learning_rate: 1.0, max_epoch: 1, lr_decay: 0.5, max_grad_norm: 5}
                """);
        Path run = tmp.resolve("run");
        Path out = tmp.resolve("out.txt");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "train", "--config", config.toString(), "--data", data.toString(),
                "--run-dir", run.toString())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        try {
            // Wait until training is under way: the first epoch's checkpoint is on disk.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(run.resolve("checkpoint.zip")) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(p.isAlive(), "training ended before it could be interrupted: " + read(out));
            assertTrue(Files.exists(run.resolve("checkpoint.zip")), "no checkpoint within 120 s: " + read(out));
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor(), "kill -" + signal);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not exit after SIG" + signal);
            assertEquals(exitCode, p.exitValue(), read(out));
        } finally {
            p.destroyForcibly();
        }
        String text = read(out);
        assertTrue(text.contains("stopped (interrupted); resume with: rnnlab train --resume " + run), text);
        assertTrue(Files.exists(run.resolve("checkpoint.zip")));
        // The learning curves are drawn again after the stop's checkpoint, from the step log.
        Path curve = run.resolve("curve-perplexity-words.png");
        assertTrue(Files.exists(run.resolve("steps.csv")) && Files.exists(curve), text);
        assertTrue(Files.getLastModifiedTime(curve).compareTo(Files.getLastModifiedTime(run.resolve("checkpoint.zip"))) >= 0,
                "curves drawn after the stop");
    }

    private static String read(Path f) throws IOException {
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }
}
