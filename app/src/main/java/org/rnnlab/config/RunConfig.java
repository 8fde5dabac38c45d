package org.rnnlab.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A run's whole configuration, as read from a YAML file in {@code configs/} plus {@code --set}
 * overrides. The {@code task} key chooses the kind: {@code lm} (language model) or {@code sentiment}.
 * Implementations are immutable records that validate their values when they are built.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "task")
@JsonSubTypes({
        @JsonSubTypes.Type(value = LmConfig.class, name = "lm"),
        @JsonSubTypes.Type(value = SentimentConfig.class, name = "sentiment")
})
public sealed interface RunConfig permits LmConfig, SentimentConfig {

    /** The run's name, used for run directories; defaults to the config file's name. */
    String name();

    /** Seed for every random choice of the run: initialisation, dropout, shuffling, splits. */
    Long seed();

    /** The network's settings ({@code model:}); a resumed run keeps them, because its checkpoint holds the network. */
    Record model();

    /** The same config with another name (the loader fills it in from the file name). */
    RunConfig withName(String name);
}
