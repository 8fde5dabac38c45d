package org.rnnlab.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rnnlab.UserInputException;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Config keys renamed so that the language-model and sentiment tasks say one thing one way, and how a file
 * or {@code --set} that still uses an old name is read: the old key is rewritten to the new one (its value
 * converted where the meaning changed) and reported in one line, so configs, run folders and model files
 * written before the rename keep loading.
 *
 * <ul>
 *   <li>{@code model.dropout} of a language model was {@code model.keep_prob} (the TensorFlow tutorial's keep
 *       probability): dropout is now a drop rate everywhere, as in Keras' {@code Dropout(rate)}, PyTorch's
 *       {@code nn.Dropout(p)} and the sentiment configs; {@code dropout = 1 - keep_prob}.</li>
 *   <li>{@code train.max_grad_norm} of a sentiment model was {@code train.clip_norm}: the language model's name
 *       (the TensorFlow PTB tutorial's, PyTorch's {@code clip_grad_norm_(max_norm)}); {@code clip_norm} also
 *       read like Keras' {@code clipnorm}, which clips each weight on its own rather than the global norm.</li>
 * </ul>
 */
final class RenamedKeys {

    /** {@code section.oldKey} of {@code task}'s configs is now {@code section.newKey}. */
    record Rename(String task, String section, String oldKey, String newKey, boolean complement, String meaning) {
        String oldPath() {
            return section + "." + oldKey;
        }

        String newPath() {
            return section + "." + newKey;
        }
    }

    static final List<Rename> ALL = List.of(
            new Rename("lm", "model", "keep_prob", "dropout", true, "the fraction dropped, 1 - keep_prob"),
            new Rename("sentiment", "train", "clip_norm", "max_grad_norm", false, "the same value"));

    private RenamedKeys() {
    }

    /**
     * Rewrites every old key of a whole config tree in place, telling {@code deprecations} one line per key.
     * A section holding both the old and the new name is refused.
     */
    static void rewrite(ObjectNode root, String source, Consumer<String> deprecations) {
        String task = root.path("task").asText("");
        for (Rename r : ALL) {
            if (r.task().equals(task) && root.get(r.section()) instanceof ObjectNode section
                    && section.has(r.oldKey())) {
                if (section.has(r.newKey())) {
                    throw new UserInputException(source + ": " + r.oldPath() + " and " + r.newPath()
                            + " are both set; keep only " + r.newPath() + " (" + r.oldKey() + " is its old name, "
                            + r.newKey() + " is " + r.meaning() + ")");
                }
                JsonNode value = convert(r, section.remove(r.oldKey()), source + ": " + r.oldPath());
                section.set(r.newKey(), value);
                deprecations.accept(message(source, r, value));
            }
        }
    }

    /** The rename of a dotted {@code --set} key for {@code task}, or null if the key was not renamed. */
    static Rename find(String task, String dottedKey) {
        for (Rename r : ALL) {
            if (r.task().equals(task) && r.oldPath().equals(dottedKey)) {
                return r;
            }
        }
        return null;
    }

    /** The old key's value as the new key's; {@code where} names it in an error. */
    static JsonNode convert(Rename r, JsonNode value, String where) {
        if (value == null || value.isNull() || !r.complement()) {
            return value == null ? NullNode.getInstance() : value;
        }
        if (!value.isNumber()) {
            throw new UserInputException(where + ": wrong type, expected a number");
        }
        double keep = value.asDouble();
        if (!(keep > 0 && keep <= 1)) {
            throw new UserInputException(where + ": must be greater than 0.0 and at most 1.0 (got " + keep + ")");
        }
        return DoubleNode.valueOf(Probabilities.complement(keep));
    }

    /** The one line that reports a key read under its old name. */
    static String message(String source, Rename r, JsonNode newValue) {
        return String.format(Locale.ROOT, "%s: %s is deprecated, use %s (%s); read as %s: %s", source, r.oldPath(),
                r.newPath(), r.meaning(), r.newPath(), newValue.isNull() ? "(default)" : newValue.asText());
    }
}
