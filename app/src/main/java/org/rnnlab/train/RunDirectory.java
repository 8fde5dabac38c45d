package org.rnnlab.train;

import org.rnnlab.RunFailure;
import org.rnnlab.UserInputException;
import org.rnnlab.config.ConfigLoader;
import org.rnnlab.config.RunConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The folder of one training run: the resolved config, the run log, {@code metrics.csv}, and the
 * checkpoints ({@code checkpoint.zip}, resumable; {@code best.zip}, best on validation).
 */
public record RunDirectory(Path path) {

    public static final String CONFIG = "config.yaml";
    public static final String CHECKPOINT = "checkpoint.zip";
    public static final String BEST = "best.zip";
    public static final String METRICS = "metrics.csv";

    /** A new run folder: the one given, or {@code runs/NAME-TIMESTAMP}. Refuses to reuse a run's folder. */
    public static RunDirectory create(Path requested, RunConfig config) {
        Path dir = pathFor(requested, config);
        checkFree(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserInputException(dir + ": cannot create run directory: " + e.getMessage());
        }
        RunDirectory run = new RunDirectory(dir);
        run.writeAtomically(CONFIG, ConfigLoader.toYaml(config));
        return run;
    }

    /** The folder a new run goes to: the one requested, or {@code runs/NAME-TIMESTAMP}. */
    public static Path pathFor(Path requested, RunConfig config) {
        return requested != null ? requested
                : Path.of("runs", config.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /**
     * Refuses a folder that already holds a run; called before the data is read as well, so that the mistake is
     * reported at once rather than after reading 25,000 reviews.
     */
    public static void checkFree(Path dir) {
        if (dir != null && Files.exists(dir.resolve(CHECKPOINT))) {
            throw new UserInputException(dir + ": already holds a run (" + CHECKPOINT
                    + "); use --resume " + dir + " to continue it or choose another --run-dir");
        }
    }

    /** An existing run folder to resume; it must hold a checkpoint. */
    public static RunDirectory existing(Path dir) {
        if (!Files.isRegularFile(dir.resolve(CHECKPOINT))) {
            throw new UserInputException(dir + ": no " + CHECKPOINT + " to resume from (expected a run directory made by 'rnnlab train')");
        }
        return new RunDirectory(dir);
    }

    public Path checkpoint() {
        return path.resolve(CHECKPOINT);
    }

    public Path best() {
        return path.resolve(BEST);
    }

    /** Appends one line to {@code metrics.csv}, writing the header first when the file is new. */
    public void appendMetrics(String header, String row) {
        Path file = path.resolve(METRICS);
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, header + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
            }
            Files.writeString(file, row + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw RunFailure.cannotWrite(file, e, row.length() + 1);
        }
    }

    /** Writes a small text file through a temporary file and a rename. */
    public void writeAtomically(String name, String content) {
        Path target = path.resolve(name);
        Path tmp = path.resolve("." + name + ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
            throw RunFailure.cannotWrite(target, e, content.length());
        }
    }
}
