package org.rnnlab.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Faults that need real processes: a second training on a folder in use (the lock is the operating
 * system's, per process) and {@code kill -9} in the middle of an epoch, after which the run resumes from
 * its last mid-epoch checkpoint and ends exactly as an uninterrupted run.
 */
@Tag("slow")
class FaultProcessTest {

    @TempDir
    Path tmp;

    private Path data;
    private Path config;

    private void writeData() throws IOException {
        data = Files.createDirectories(tmp.resolve("data"));
        Files.write(data.resolve("tiny.train.txt"), FaultsTest.sentences(1200, 1));
        Files.write(data.resolve("tiny.valid.txt"), FaultsTest.sentences(20, 2));
        Files.write(data.resolve("tiny.test.txt"), FaultsTest.sentences(20, 3));
        config = Files.writeString(tmp.resolve("tiny.yaml"), """
                task: lm
                seed: 7
                data: {vocab_size: 20}
                model: {cell: lstm, layers: 1, hidden_size: 8, dropout: 0.2, init_scale: 0.1}
                train: {batch_size: 2, num_steps: 4, epochs: 2, learning_rate: 1.0, max_epoch: 1, lr_decay: 0.5,
                        max_grad_norm: 5, checkpoint_every_minutes: 0.01}
                """);
    }

    private Process start(Path out, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        return pb.start();
    }

    private Process train(Path run, Path out) throws IOException {
        return start(out, "train", "--config", config.toString(), "--data", data.toString(), "--run-dir", run.toString());
    }

    @Test
    void aSecondTrainingIsRefusedAndKill9MidEpochResumesToTheUninterruptedResult() throws Exception {
        writeData();
        Path straight = tmp.resolve("straight");
        Process whole = train(straight, tmp.resolve("straight.txt"));

        Path run = tmp.resolve("run");
        Process first = train(run, tmp.resolve("first.txt"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            // The processes log to their standard output (the tests' log4j2-test.xml is on their class path).
            while (!read(tmp.resolve("first.txt")).contains("Checkpoint at epoch 1, step") && first.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(first.isAlive(), "training ended before a mid-epoch checkpoint: " + read(tmp.resolve("first.txt")));

            long t0 = System.nanoTime();
            Process second = start(tmp.resolve("second.txt"), "train", "--resume", run.toString());
            assertTrue(second.waitFor(60, TimeUnit.SECONDS));
            double seconds = (System.nanoTime() - t0) / 1e9;
            String refused = read(tmp.resolve("second.txt"));
            assertEquals(2, second.exitValue(), refused);
            assertTrue(refused.contains("in use by another training (process " + first.pid()), refused);
            // Under 5 s on an idle machine (README); the bound here allows for a machine busy with other builds.
            assertTrue(seconds < 30, "refused in " + seconds + " s");

            first.destroyForcibly(); // SIGKILL: no shutdown hook, no last checkpoint
            assertTrue(first.waitFor(60, TimeUnit.SECONDS));
        } finally {
            first.destroyForcibly();
        }
        Process resumed = start(tmp.resolve("resumed.txt"), "train", "--resume", run.toString());
        assertTrue(resumed.waitFor(180, TimeUnit.SECONDS));
        assertEquals(0, resumed.exitValue(), read(tmp.resolve("resumed.txt")));
        assertTrue(read(tmp.resolve("resumed.txt")).matches("(?s).*Resuming \\S+ at epoch \\d, step [1-9]\\d*.*"),
                "resumed from a mid-epoch checkpoint: " + read(tmp.resolve("resumed.txt")));

        assertTrue(whole.waitFor(180, TimeUnit.SECONDS));
        assertEquals(0, whole.exitValue(), read(tmp.resolve("straight.txt")));
        List<String> expected = Files.readAllLines(straight.resolve("metrics.csv"));
        List<String> got = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(3, got.size(), "each epoch once: " + got);
        for (int i = 1; i < expected.size(); i++) {
            String[] e = expected.get(i).split(",");
            String[] g = got.get(i).split(",");
            assertEquals(e[2] + "," + e[3], g[2] + "," + g[3], "train and valid perplexity of epoch " + i);
        }
    }

    private static String read(Path f) throws IOException {
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }
}
