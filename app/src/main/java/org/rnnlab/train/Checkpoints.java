package org.rnnlab.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.rnnlab.RunFailure;
import org.rnnlab.config.RunConfig;
import org.rnnlab.model.ModelFile;
import org.rnnlab.model.ModelKind;
import org.rnnlab.text.Vocabulary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * A run's checkpoints, for every trainer: {@code checkpoint.zip} written atomically with the
 * weights, the optimizer state and the {@link TrainingState} (plus any task-specific extras), read
 * back for {@code --resume}, and copied atomically to {@code best.zip} when validation improves.
 */
public final class Checkpoints {

    static final String STATE = "state.json";

    private Checkpoints() {
    }

    /** A checkpoint read back: the network with its optimizer state, where the run stood, and the rest. */
    public record Restored(MultiLayerNetwork network, TrainingState state, Vocabulary vocabulary,
                           Map<String, byte[]> extras) {
    }

    /** Writes {@code checkpoint.zip} (through a temporary file and a rename). */
    public static void save(RunDirectory run, MultiLayerNetwork net, ModelKind kind, RunConfig config, Vocabulary vocab,
                            String unknownToken, TrainingState state, Map<String, byte[]> extras) {
        Map<String, byte[]> all = new HashMap<>(extras);
        all.put(STATE, state.toJson());
        ModelFile.write(run.checkpoint(), net, kind, config, vocab, unknownToken, all, true);
    }

    /** Reads {@code checkpoint.zip} of a run being resumed; refuses a model of another kind. */
    public static Restored restore(RunDirectory run, ModelKind kind) {
        ModelFile.Loaded ckpt = ModelFile.read(run.checkpoint(), kind, "train --resume", true);
        return new Restored(ckpt.network(), TrainingState.fromJson(ckpt.extras().get(STATE)), ckpt.vocabulary(),
                ckpt.extras());
    }

    /**
     * Makes the checkpoint just written {@code best.zip}, atomically: a hard link renamed into place, so
     * it takes no disk space (checkpoints are never changed in place: each write is a new file renamed
     * over the old name). Where links are not supported, a copy.
     */
    public static void promoteToBest(RunDirectory run) {
        Path to = run.best();
        Path tmp = to.resolveSibling("." + to.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            try {
                Files.createLink(tmp, run.checkpoint());
            } catch (UnsupportedOperationException | IOException noLinks) {
                Files.copy(run.checkpoint(), tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
            throw RunFailure.cannotWrite(to, e, sizeOf(run.checkpoint()));
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }
}
