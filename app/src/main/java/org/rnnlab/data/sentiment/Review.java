package org.rnnlab.data.sentiment;

/**
 * One labelled review as read from disk: its text, its label index ({@link ReviewReader#LABELS}:
 * 0 = negative, 1 = positive) and the file it came from.
 */
public record Review(String text, int label, String source) {
}
