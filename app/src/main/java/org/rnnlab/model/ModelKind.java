package org.rnnlab.model;

/** What an rnnlab model file holds, recorded inside it so commands refuse the wrong kind. */
public enum ModelKind {
    /** A word-level language model (train, eval, sample). */
    LM,
    /** A sentiment classifier (train, eval, predict). */
    SENTIMENT
}
