package org.rnnlab.data.lm;

import org.rnnlab.UserInputException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Refuses corpus files that are not plain UTF-8 text before they are read: a binary file or a
 * Latin-1 book would otherwise turn into a vocabulary of replacement characters. The message names
 * the file, the line and the byte offset of the first bad byte.
 */
public final class TextValidator {

    private TextValidator() {
    }

    /** Throws a {@link UserInputException} naming the first byte that is not UTF-8 text. */
    public static void check(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read corpus file: " + e.getMessage(), e);
        }
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            // Tab, line feed, vertical tab, form feed and carriage return occur in text; other control bytes mean binary data.
            if ((b < 0x20 && (b < 0x09 || b > 0x0d)) || b == 0x7f) {
                throw new UserInputException(where(file, bytes, i) + ": binary data (byte 0x" + hex(b)
                        + "); expected a plain UTF-8 text file");
            }
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(1 << 16);
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isError()) {
                int at = in.position();
                throw new UserInputException(where(file, bytes, at) + ": not UTF-8 text (byte 0x" + hex(bytes[at] & 0xff)
                        + "); convert the file to UTF-8, for example with iconv -f latin1 -t utf-8");
            }
            if (r.isOverflow()) {
                out.clear();
            } else {
                break;
            }
        }
    }

    private static String where(Path file, byte[] bytes, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return file + ": line " + line + ", byte offset " + offset;
    }

    private static String hex(int b) {
        return String.format("%02X", b);
    }
}
