/**
 * Evaluation: language-model perplexity (exp of the mean per-word loss) and sentiment accuracy, ROC and the
 * confusion matrix through DL4J's evaluation classes.
 */
package org.rnnlab.eval;
