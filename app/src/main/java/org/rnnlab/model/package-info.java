/**
 * Whole networks: the factories that build each task's DL4J {@code MultiLayerConfiguration} from a config, and the
 * model file (DL4J's zip plus rnnlab's metadata, config and vocabulary) with its format versions.
 */
package org.rnnlab.model;
