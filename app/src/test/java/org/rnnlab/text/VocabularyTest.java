package org.rnnlab.text;

import org.junit.jupiter.api.Test;
import org.rnnlab.UserInputException;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class VocabularyTest {

    private static final Map<String, Long> COUNTS = Map.of("the", 10L, "cat", 3L, "dog", 3L, "a", 7L, "zebra", 1L);

    @Test
    void ordersByCountThenAlphabeticallyAfterReservedTokens() {
        Vocabulary v = Vocabulary.fromCounts(COUNTS, 100, List.of("<unk>"), "<unk>");
        assertEquals(List.of("<unk>", "the", "a", "cat", "dog", "zebra"), v.words());
        assertEquals(0, v.unknownIndex());
    }

    @Test
    void capsSizeAndMapsTheRestToUnknown() {
        Vocabulary v = Vocabulary.fromCounts(COUNTS, 4, List.of("<pad>", "<unk>"), "<unk>");
        assertEquals(4, v.size());
        assertEquals(List.of("<pad>", "<unk>", "the", "a"), v.words());
        assertEquals(1, v.indexOf("zebra"));
        assertEquals(1, v.indexOf("never-seen"));
        assertFalse(v.contains("cat"));
        assertEquals(2, v.indexOf("the"));
    }

    @Test
    void textRoundTripKeepsIndices() {
        Vocabulary v = Vocabulary.fromCounts(COUNTS, 100, List.of("<unk>"), "<unk>");
        Vocabulary back = Vocabulary.fromText(v.toText(), "<unk>", "test");
        assertEquals(v, back);
        for (String w : v.words()) {
            assertEquals(v.indexOf(w), back.indexOf(w));
        }
    }

    @Test
    void rejectsBrokenSavedVocabulary() {
        assertThrows(UserInputException.class, () -> Vocabulary.fromText("a\nb\na\n<unk>\n", "<unk>", "x"));
        UserInputException e = assertThrows(UserInputException.class, () -> Vocabulary.fromText("a\nb\n", "<unk>", "model.zip"));
        assertTrue(e.getMessage().contains("model.zip"));
    }
}
