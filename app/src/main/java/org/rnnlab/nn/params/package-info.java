/**
 * Parameter initialisers of rnnlab's layers (how each layer's parameters are laid out in the network's flat
 * parameter vector) and the orthogonal weight initialiser.
 */
package org.rnnlab.nn.params;
