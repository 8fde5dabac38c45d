/**
 * CPU kernels and their threading, below everything else: direct access to ND4J's buffers ({@code DirectArray}),
 * packed-panel matrix products ({@code PanelProduct}), Vector API element-wise kernels, per-thread work arrays, the
 * split of a loop over the cores ({@code RecurrentParallel}) and OpenBLAS's thread count. Nothing here knows a layer.
 */
package org.rnnlab.nn.cpu.kernel;
