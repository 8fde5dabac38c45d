package org.rnnlab.data.store;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class TreeDigestTest {

    private static Map<String, String> tinyImdb() {
        List<String> paths = new ArrayList<>();
        for (String folder : Fixtures.IMDB_FOLDERS) {
            for (String id : Fixtures.IMDB_IDS) {
                paths.add(folder + "/" + id + ".txt");
            }
        }
        Collections.shuffle(paths, new java.util.Random(7));
        Map<String, String> sums = new LinkedHashMap<>();
        for (String p : paths) {
            String folder = p.substring(0, p.lastIndexOf('/'));
            String id = p.substring(p.lastIndexOf('/') + 1, p.length() - ".txt".length());
            sums.put(p, Fixtures.sha256(Fixtures.imdbReview(folder, id)));
        }
        return sums;
    }

    @Test
    void matchesTheDigestComputedWithCoreutilsWhateverTheInputOrder() {
        // "10_1.txt" sorts before "1_2.txt" in byte order: a numeric or natural sort would differ.
        assertEquals(Fixtures.IMDB_TREE_SHA256, TreeDigest.of(tinyImdb()));
        assertEquals(Fixtures.IMDB_TREE_SHA256, TreeDigest.of(new HashMap<>(tinyImdb())));
    }

    @Test
    void anyChangedChecksumOrPathChangesIt() {
        Map<String, String> sums = tinyImdb();
        sums.put("test/neg/1_2.txt", Fixtures.sha256("changed"));
        assertNotEquals(Fixtures.IMDB_TREE_SHA256, TreeDigest.of(sums));

        Map<String, String> renamed = tinyImdb();
        renamed.put("test/neg/1_2b.txt", renamed.remove("test/neg/1_2.txt"));
        assertNotEquals(Fixtures.IMDB_TREE_SHA256, TreeDigest.of(renamed));
    }

    @Test
    void ofNothingIsTheHashOfTheEmptyString() {
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", TreeDigest.of(Map.of()));
    }
}
