package org.rnnlab.data.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** SHA-256 helpers: the one checksum the manifest uses, always written as 64 lower-case hex digits. */
final class Checksums {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private Checksums() {
    }

    /** A fresh SHA-256 digest; every JVM must provide it, so its absence is a broken runtime. */
    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime lacks SHA-256", e);
        }
    }

    static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(byte[] data) {
        MessageDigest d = newSha256();
        d.update(data);
        return hex(d);
    }

    static String sha256(Path file) throws IOException {
        MessageDigest d = newSha256();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
        }
        return hex(d);
    }

    static boolean isSha256Hex(String s) {
        return s != null && SHA256_HEX.matcher(s).matches();
    }
}
