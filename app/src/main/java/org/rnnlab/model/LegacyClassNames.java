package org.rnnlab.model;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The class names that model files of format 1 carry in DL4J's network JSON, mapped to today's classes. DL4J writes
 * each layer configuration's (and each custom weight initialiser's and dropout's) class name into the JSON and looks
 * the class up by that name when it loads, so a file saved before rnnlab's layers moved from
 * {@code org.rnnlab.model.layers} to {@code org.rnnlab.nn} would otherwise no longer load.
 */
final class LegacyClassNames {

    private static final Map<String, String> FORMAT_1 = Map.of(
            "org.rnnlab.model.layers.FusedLstm", "org.rnnlab.nn.FusedLstm",
            "org.rnnlab.model.layers.GRU", "org.rnnlab.nn.Gru",
            "org.rnnlab.model.layers.FusedSimpleRnn", "org.rnnlab.nn.FusedSimpleRnn",
            "org.rnnlab.model.layers.SparseSoftmaxOutput", "org.rnnlab.nn.SparseSoftmaxOutput",
            "org.rnnlab.model.layers.SequenceEmbedding", "org.rnnlab.nn.SequenceEmbedding",
            "org.rnnlab.model.layers.SequenceDropout", "org.rnnlab.nn.SequenceDropout",
            "org.rnnlab.model.layers.LastStep", "org.rnnlab.nn.LastStep",
            "org.rnnlab.model.RecurrentMask", "org.rnnlab.nn.RecurrentMask",
            "org.rnnlab.model.OrthogonalInit", "org.rnnlab.nn.params.OrthogonalInit");

    /** A quoted class name of the old packages, as it stands in the JSON. */
    private static final Pattern OLD_NAME = Pattern.compile("\"(org\\.rnnlab\\.model\\.(?:layers\\.)?\\w+)\"");

    private LegacyClassNames() {
    }

    /** True if {@code json} names any class by its format-1 name. */
    static boolean present(String json) {
        Matcher m = OLD_NAME.matcher(json);
        while (m.find()) {
            if (FORMAT_1.containsKey(m.group(1))) {
                return true;
            }
        }
        return false;
    }

    /** {@code json} with every format-1 class name replaced by today's. */
    static String upgrade(String json) {
        return OLD_NAME.matcher(json).replaceAll(m -> {
            String now = FORMAT_1.get(m.group(1));
            return Matcher.quoteReplacement("\"" + (now == null ? m.group(1) : now) + "\"");
        });
    }
}
