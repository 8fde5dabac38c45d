package org.rnnlab.data.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;

/**
 * The single checksum that stands for a folder tree too large to list file by file (IMDB's 50,000
 * reviews).
 *
 * <p>Definition: for every regular file, the line {@code relative/path<TAB>sha256-hex<LF>}, where the
 * path is relative to the dataset folder with {@code /} separators; lines sorted by the UTF-8 bytes of
 * the path (what {@code LC_ALL=C sort} does); the SHA-256 of their concatenation, in lower-case hex.
 * It can be recomputed without rnnlab:
 * <pre>
 * cd aclImdb &amp;&amp; find train/pos train/neg test/pos test/neg -type f | LC_ALL=C sort \
 *   | while read f; do printf '%s\t%s\n' "$f" "$(sha256sum "$f" | cut -d' ' -f1)"; done | sha256sum
 * </pre>
 */
public final class TreeDigest {

    private TreeDigest() {
    }

    /** The digest of files given as relative path to SHA-256 hex. */
    public static String of(Map<String, String> sha256ByPath) {
        byte[][] paths = sha256ByPath.keySet().stream()
                .map(p -> p.getBytes(StandardCharsets.UTF_8))
                .sorted(Arrays::compareUnsigned)
                .toArray(byte[][]::new);
        MessageDigest d = Checksums.newSha256();
        for (byte[] path : paths) {
            d.update(path);
            d.update((byte) '\t');
            d.update(sha256ByPath.get(new String(path, StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII));
            d.update((byte) '\n');
        }
        return Checksums.hex(d);
    }
}
