/**
 * rnnlab: trains, evaluates and samples recurrent networks on DL4J. The packages follow the pipeline:
 * {@code cli} (thin commands) → {@code train} → {@code eval} / {@code generate} → {@code model} (networks and model
 * files) → {@code nn} (rnnlab's DL4J layers) → {@code data} / {@code text} / {@code config}. No arrow runs back up.
 */
package org.rnnlab;
