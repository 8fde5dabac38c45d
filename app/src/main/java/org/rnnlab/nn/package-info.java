/**
 * The layer configurations rnnlab adds to DL4J: what a model factory builds and what a model file's network JSON
 * names ({@code FusedLstm}, {@code Gru}, {@code FusedSimpleRnn}, {@code SparseSoftmaxOutput},
 * {@code SequenceEmbedding}, {@code SequenceDropout}, {@code LastStep}, {@code RecurrentMask}), and the
 * {@code ThreadPlan} a trainer asks before each step. Each configuration's Javadoc gives its equations and what it
 * changes against DL4J's own layer; the implementations are in {@code nn.layers}.
 */
package org.rnnlab.nn;
