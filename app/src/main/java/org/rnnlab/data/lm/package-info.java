/**
 * Language-model data: corpora read through DataVec (PTB-style split files or one text file), their vocabulary and
 * the consecutive TBPTT windows of parallel word streams.
 */
package org.rnnlab.data.lm;
