package org.rnnlab.text;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ReviewTokenizerTest {

    private final ReviewTokenizer keras = new ReviewTokenizer(true);

    @Test
    void lineBreakTagsBecomeSpaces() {
        assertEquals(List.of("great", "film", "really"), keras.tokens("Great film.<br /><br />Really"));
        assertEquals(List.of("a", "b", "c", "d"), keras.tokens("a<br/>b<BR>c<br  />d"));
        assertFalse(keras.tokens("end<br />").contains("br"), "no 'br' token is left behind");
    }

    @Test
    void punctuationIsRemovedAsKerasDoes() {
        assertEquals(List.of("dont", "you", "love", "it"), keras.tokens("Don't you LOVE it?!"));
        assertEquals(List.of("wellmade", "1010", "movie"), keras.tokens("well-made (10/10) movie..."));
        assertEquals(List.of(), keras.tokens("!!! ... ?"), "a text of punctuation has no words");
        assertEquals(List.of(), keras.tokens("   \t\n"));
        assertEquals(List.of("café", "naïve"), keras.tokens("Café, naïve!"), "non-ASCII letters are kept");
    }

    @Test
    void caseIsFoldedUnlessAskedNotTo() {
        assertEquals(List.of("the", "movie"), keras.tokens("THE Movie"));
        assertEquals(List.of("THE", "Movie"), new ReviewTokenizer(false).tokens("THE Movie"));
    }

    @Test
    void unknownWordsMapToTheOutOfVocabularyIndexAndEmptyTextsToOneUnknown() {
        Vocabulary v = ReviewEncoder.buildVocabulary(List.of(List.of("good", "good", "film"), List.of("bad")), 4);
        assertEquals(List.of("<pad>", "<unk>", "good", "bad"), v.words(), "pad 0, unk 1, then by count and name");
        ReviewEncoder enc = new ReviewEncoder(keras, v, 10, "pre");
        ReviewEncoder.Encoded e = enc.encode("Good zebra, BAD film!");
        assertArrayEquals(new int[] {2, 1, 3, 1}, e.ids(), "'zebra' never seen, 'film' cut by the size limit");
        assertEquals(4, e.words());
        assertEquals(2, e.unknownWords());
        assertFalse(e.empty() || e.noKnownWord());
        ReviewEncoder.Encoded none = enc.encode("Zebras!");
        assertTrue(none.noKnownWord());
        assertArrayEquals(new int[] {1}, none.ids());
        ReviewEncoder.Encoded empty = enc.encode("<br />...");
        assertTrue(empty.empty());
        assertArrayEquals(new int[] {1}, empty.ids(), "an empty review is one unknown word, never an empty sequence");
    }

    @Test
    void truncationKeepsTheLastWordsForPreAndTheFirstForPost() {
        Vocabulary v = Vocabulary.fromCounts(Map.of("a", 5L, "b", 4L, "c", 3L, "d", 2L, "e", 1L), 10,
                ReviewEncoder.RESERVED, ReviewEncoder.UNK);
        assertArrayEquals(new int[] {4, 5, 6}, new ReviewEncoder(keras, v, 3, "pre").encode("a b c d e").ids());
        assertArrayEquals(new int[] {2, 3, 4}, new ReviewEncoder(keras, v, 3, "post").encode("a b c d e").ids());
        assertEquals(5, new ReviewEncoder(keras, v, 3, "pre").encode("a b c d e").words(), "counts the words before cutting");
        assertArrayEquals(new int[] {2, 3}, new ReviewEncoder(keras, v, 3, "pre").encode("a b").ids(), "short reviews are kept whole");
    }
}
