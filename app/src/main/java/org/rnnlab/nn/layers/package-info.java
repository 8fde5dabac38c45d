/**
 * The implementations of the layers in {@code org.rnnlab.nn}: forward and backward passes, truncated BPTT and
 * {@code rnnTimeStep} state, masks. Their per-time-step loops run on the direct CPU paths of {@code nn.cpu} where
 * those apply, and in ND4J operations otherwise.
 */
package org.rnnlab.nn.layers;
