package org.rnnlab.eval;

/**
 * The part of a dataset a model is evaluated on. {@code train} is there to compare with {@code valid} (how far
 * a model overfits); for a sentiment model it and {@code valid} are the parts of the training reviews as the
 * run divided them, for a language model the corpus' files.
 */
public enum Split {
    TRAIN, VALID, TEST;

    /** The split of that name ({@link #toString}), or null if there is none. */
    public static Split of(String name) {
        for (Split s : values()) {
            if (s.toString().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** The name on the command line and in the data layer: {@code train}, {@code valid}, {@code test}. */
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
