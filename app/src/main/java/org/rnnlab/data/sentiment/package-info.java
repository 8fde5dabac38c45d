/**
 * Sentiment data: labelled reviews read through DataVec from {@code pos/} and {@code neg/} folders, the seeded
 * validation split and the padded, masked minibatches.
 */
package org.rnnlab.data.sentiment;
