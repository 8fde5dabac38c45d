/**
 * Training: the LM trainer (TBPTT with the state carried across windows), the sentiment trainer, their run folders,
 * checkpoints, metrics and stop requests. Trainers know networks only through DL4J's interfaces and
 * {@code org.rnnlab.nn.ThreadPlan}, never a layer implementation or a kernel.
 */
package org.rnnlab.train;
