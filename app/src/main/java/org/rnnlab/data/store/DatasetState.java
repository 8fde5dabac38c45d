package org.rnnlab.data.store;

import java.util.Locale;

/** How far a dataset in the project's {@code datasets/} folder has got. */
public enum DatasetState {
    /** Its folder is absent or lacks some of the expected files. */
    MISSING,
    /** All expected files are there, but nothing vouches for their checksums (copied by hand, changed since, or a newer manifest). */
    IMPORTED,
    /** Imported or verified against the current manifest, and unchanged by a quick look since. */
    VERIFIED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
