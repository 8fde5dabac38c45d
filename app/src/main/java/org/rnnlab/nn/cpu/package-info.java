/**
 * The direct CPU paths of the recurrent layers' per-time-step loops (LSTM and simple RNN, forward and backward),
 * chosen per pass by the layer when the data type and activations allow; they compute what the ND4J loops in
 * {@code nn.layers} compute, tested equal.
 */
package org.rnnlab.nn.cpu;
