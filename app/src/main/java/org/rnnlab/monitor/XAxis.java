package org.rnnlab.monitor;

import java.util.Locale;

/** What a learning curve is drawn against. */
public enum XAxis {
    /** The epoch number. */
    EPOCH,
    /** The step number over the whole run. */
    STEP,
    /** Words (language models) or reviews (sentiment) trained on so far. */
    SEEN;

    /** {@code epoch}, {@code step} or {@code seen}, as the command line spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
