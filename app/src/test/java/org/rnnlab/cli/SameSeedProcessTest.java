package org.rnnlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Thread counts are fixed when a process starts (OpenMP and OpenBLAS read {@code OMP_NUM_THREADS} once), so these
 * tests run rnnlab in processes of their own: the same seed with 2 threads gives the same training, evaluation
 * and samples twice, and {@code bench} reports the thread count in force whatever {@code OMP_NUM_THREADS} says.
 */
@Tag("slow")
class SameSeedProcessTest {

    @TempDir
    Path tmp;

    /** Runs several rnnlab commands, separated by {@code ::}, in one JVM; exits with the first failure's code. */
    public static final class Commands {
        public static void main(String[] args) {
            List<String> all = Arrays.asList(args);
            int code = 0;
            for (int from = 0; from <= all.size() && code == 0; ) {
                int to = all.subList(from, all.size()).indexOf("::");
                to = to < 0 ? all.size() : from + to;
                PrintWriter out = new PrintWriter(System.out, true);
                code = Main.execute(all.subList(from, to).toArray(String[]::new), out, new PrintWriter(System.err, true));
                out.println("::");
                from = to + 1;
            }
            System.exit(code);
        }
    }

    private record Output(int code, String out, String err) {
    }

    private Output rnnlab(String threads, String name, String... args) throws Exception {
        return start(Commands.class, threads, name, args);
    }

    private Output start(Class<?> main, String threads, String name, String... args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx1g", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve(name + ".out");
        Path err = tmp.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("OMP_NUM_THREADS", threads);
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), name + " did not finish within 300 s");
        } finally {
            p.destroyForcibly();
        }
        return new Output(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static final String CONFIG = """
            task: lm
            seed: 11
            data: {dataset: tiny, vocab_size: 50}
            model: {cell: lstm, layers: 1, hidden_size: 256, embedding_size: 16, dropout: 0.3, init_scale: 0.1}
            train: {batch_size: 4, num_steps: 5, epochs: 1, learning_rate: 1.0, max_epoch: 1, lr_decay: 0.5, max_grad_norm: 5}
            """;

    /** What must not change between two runs: everything but times, speeds and the run folder's name. */
    private static String results(String out, Path run) {
        return out.replace(run.toString(), "RUN").replaceAll("[\\d,.]+ words/s, [\\d.]+ s", "")
                .replaceAll("\"seconds\":[\\d.eE+-]+", "");
    }

    private static byte[] weights(Path model) throws IOException {
        try (ZipFile zip = new ZipFile(model.toFile())) {
            return zip.getInputStream(zip.getEntry("coefficients.bin")).readAllBytes();
        }
    }

    @Test
    void theSameSeedWithTwoThreadsGivesTheSameRunTwice() throws Exception {
        Path data = LmCliTest.corpus(tmp, 80);
        Path config = Files.writeString(tmp.resolve("tiny.yaml"), CONFIG);
        List<Output> runs = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            Path run = tmp.resolve(name);
            String best = run.resolve("best.zip").toString();
            Output o = rnnlab("2", name, "train", "--config", config.toString(), "--data", data.toString(),
                    "--run-dir", run.toString(),
                    "::", "eval", "--model", best, "--json",
                    "::", "sample", "--model", best, "--seed-text", "the", "--count", "3", "--seed", "5");
            assertEquals(0, o.code(), o.out() + o.err());
            runs.add(o);
        }
        assertTrue(runs.get(0).out().contains("epoch 1: train perplexity"), runs.get(0).out());
        assertEquals(results(runs.get(0).out(), tmp.resolve("a")), results(runs.get(1).out(), tmp.resolve("b")));
        assertArrayEquals(weights(tmp.resolve("a/best.zip")), weights(tmp.resolve("b/best.zip")), "the same weights");
    }

    @Test
    void benchReportsTheThreadsInForceWhateverOmpNumThreadsSays() throws Exception {
        Path data = LmCliTest.corpus(tmp, 100);
        Path config = Files.writeString(tmp.resolve("tiny.yaml"), CONFIG.replace("hidden_size: 256", "hidden_size: 8"));
        // Empty: ND4J and OpenMP fall back to their defaults; bench parsed it and failed.
        Output o = start(Main.class, "", "bench", "bench", "--config", config.toString(), "--data", data.toString(),
                "--warmup", "1", "--steps", "2", "--json");
        assertEquals(0, o.code(), o.out() + o.err());
        JsonNode r = JsonKeys.snakeCaseObjects(o.out()).get(0);
        assertTrue(r.get("threads").asInt() >= 1 && r.get("nd4j_threads").asInt() >= 1, o.out());
        // A list per nesting level, which ND4J cannot start with: one line instead of ND4J's stack trace.
        Output list = start(Main.class, "2,1", "list", "bench", "--config", config.toString(), "--data", data.toString());
        assertEquals(2, list.code(), list.out() + list.err());
        assertEquals(List.of("rnnlab: error: OMP_NUM_THREADS='2,1': expected a positive whole number of threads, e.g. 2"
                + " (ND4J cannot start with it)"),
                list.err().lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList());
    }
}
