package org.rnnlab.data.lm;

import org.junit.jupiter.api.Test;
import org.rnnlab.UserInputException;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TokenizerTest {

    @Test
    void whitespaceIsPtbReadingUnchanged() {
        Tokenizer ws = Tokenizer.of("whitespace", true);
        for (String line : List.of(" the cat sat \n", "  aer  banknote\tberlitz ", "", "N years <unk> said")) {
            List<String> tokens = new ArrayList<>(ws.tokens(line));
            tokens.add(WordTokenizer.EOS);
            assertEquals(WordTokenizer.lineTokens(line), tokens, line);
        }
        assertEquals(List.of("The", "Cat"), ws.tokens("The Cat"), "lowercase never applies to PTB's reading");
        assertEquals("the cat <eos> sat", ws.detokenize(List.of("the", "cat", "<eos>", "sat"), "<eos>"));
    }

    @Test
    void wordsSplitPunctuationAndKeepWordsWhole() {
        Tokenizer words = Tokenizer.of("words", false);
        assertEquals(List.of("\"", "Yes", ",", "\"", "she", "said", ";", "it's", "well-known", "."),
                words.tokens("\"Yes,\" she said; it's well-known."));
        assertEquals(List.of("said", ",", "said", ".", "said"), words.tokens("said, said. said"));
        assertEquals(List.of("mr", ".", "smith"), Tokenizer.of("words", true).tokens("Mr. Smith"));
    }

    @Test
    void wordsDetokenizeRoundTrips() {
        Tokenizer words = Tokenizer.of("words", false);
        for (String text : List.of(
                "Hello, world! (It's fine.) \"Yes,\" she said; well-known.",
                "He paid $3.50 for it: a bargain, wasn't it?",
                "'Tis the season\u2014\u201cquoted\u201d and [bracketed] text... the end.",
                "Call me Ishmael. Some years ago\u2014never mind how long precisely\u2014having little money.")) {
            assertEquals(text, words.detokenize(words.tokens(text), " "), text);
        }
        assertEquals("One. Two.", words.detokenize(List.of("One", ".", "<eos>", "Two", "."), " "));
    }

    @Test
    void charsAreCodePointsJoinedBack() {
        Tokenizer chars = Tokenizer.of("chars", false);
        String text = "na\u00efve caf\u00e9 \uD83D\uDE00!";
        List<String> tokens = chars.tokens(text);
        assertEquals(text.codePointCount(0, text.length()), tokens.size());
        assertEquals("\uD83D\uDE00", tokens.get(tokens.size() - 2), "a code point outside the BMP is one token");
        assertEquals(text, chars.detokenize(tokens, "\n"));
        assertEquals(List.of("a", "b"), Tokenizer.of("chars", true).tokens("AB"));
    }

    @Test
    void unknownTokenizerIsAUserError() {
        UserInputException e = assertThrows(UserInputException.class, () -> Tokenizer.of("bpe", false));
        assertTrue(e.getMessage().contains("data.tokenizer") && e.getMessage().contains("bpe"), e.getMessage());
    }

    @Test
    void eosModesPlaceSentenceEnds() {
        List<String> lines = List.of("One two.", "three", "", "Four.");
        assertEquals(List.of("One", "two", ".", "<eos>", "three", "<eos>", "<eos>", "Four", ".", "<eos>"),
                collect(new TextFormat(Tokenizer.of("words", false), "line"), lines));
        assertEquals(List.of("One", "two", ".", "three", "<eos>", "Four", ".", "<eos>"),
                collect(new TextFormat(Tokenizer.of("words", false), "paragraph"), lines));
        assertEquals(List.of("One", "two", ".", "three", "Four", "."),
                collect(new TextFormat(Tokenizer.of("words", false), "none"), lines));
        assertEquals(List.of("a", "b", " ", "c", "<eos>", "d", "<eos>"),
                collect(new TextFormat(Tokenizer.of("chars", false), "paragraph"), List.of(" ab", "c ", "", "d")));
        assertEquals(List.of("a", "b", " ", "c", "d"),
                collect(new TextFormat(Tokenizer.of("chars", false), "none"), List.of("ab", "", "cd")),
                "a line end inside a stream reads as a space");
    }

    @Test
    void wordCountCountsWordsNotPunctuation() {
        TextFormat f = new TextFormat(Tokenizer.of("words", false), "line");
        assertEquals(2, f.wordCount(List.of("Yes", ",", "sir", "!")));
        assertEquals(0, f.wordCount(List.of(".", "\"")));
        TextFormat c = new TextFormat(Tokenizer.of("chars", false), "line");
        assertEquals(2, c.wordCount(c.tokenizer().tokens(" hi, you ")));
    }

    private static List<String> collect(TextFormat f, List<String> lines) {
        List<String> out = new ArrayList<>();
        f.forEachToken(lines, out::add);
        return out;
    }
}
