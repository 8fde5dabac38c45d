package org.rnnlab.data.sentiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A tiny IMDB-style dataset made on the fly: {@code train/} and {@code test/} with {@code pos/} and
 * {@code neg/} reviews whose label is learnable (each holds a positive or a negative word among
 * neutral filler, with the capitals, punctuation and {@code <br />} of real reviews).
 */
public final class ImdbFixture {

    private static final String[] FILLER = "the movie film plot actor story scene was it this and a of to is in".split(" ");
    private static final String[] GOOD = {"good", "great", "wonderful", "excellent"};
    private static final String[] BAD = {"bad", "awful", "terrible", "boring"};

    private ImdbFixture() {
    }

    /** Writes {@code perClass} training and {@code perClass / 2} test reviews per label under {@code root}. */
    public static Path write(Path root, int perClass, long seed) {
        Random r = new Random(seed);
        try {
            for (String split : List.of("train", "test")) {
                int n = split.equals("train") ? perClass : Math.max(perClass / 2, 1);
                for (String label : List.of("pos", "neg")) {
                    Path dir = Files.createDirectories(root.resolve(split).resolve(label));
                    for (int i = 0; i < n; i++) {
                        Files.writeString(dir.resolve(i + "_" + (label.equals("pos") ? 8 : 2) + ".txt"),
                                review(r, label.equals("pos") ? GOOD : BAD));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return root;
    }

    /** One review with a word of {@code polar} among 3 to 9 filler words. */
    static String review(Random r, String[] polar) {
        List<String> words = new ArrayList<>();
        int n = 3 + r.nextInt(7);
        for (int i = 0; i < n; i++) {
            words.add(FILLER[r.nextInt(FILLER.length)]);
        }
        words.add(r.nextInt(words.size() + 1), polar[r.nextInt(polar.length)]);
        String text = String.join(" ", words);
        return Character.toUpperCase(text.charAt(0)) + text.substring(1) + "!<br /><br />The End.";
    }
}
