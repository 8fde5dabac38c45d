/**
 * Watching training: the step log ({@code steps.csv}), learning-curve PNGs drawn with XChart after each epoch and at a
 * stop, {@code rnnlab plot} over run folders, and the {@code TrainingObserver} the trainers call; the opt-in DL4J
 * training UI is in {@code monitor.ui}.
 */
package org.rnnlab.monitor;
