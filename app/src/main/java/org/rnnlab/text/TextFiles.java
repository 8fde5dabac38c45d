package org.rnnlab.text;

import org.rnnlab.UserInputException;
import org.rnnlab.config.TextEncoding;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a text file that rnnlab learns from or predicts on (a corpus split, a review), refusing what
 * is not text. With {@code utf-8} (the default of {@code data.encoding}) a file with an invalid UTF-8
 * sequence, a NUL byte or mostly control characters is refused in one line naming the file, the line
 * and the byte offset of the first bad byte: such a file is binary, or in another encoding, and would
 * otherwise train on junk words without a warning. {@code latin-1} and {@code replace} read anything.
 */
public final class TextFiles {

    /** Above this share of control characters a valid UTF-8 file is still not text. */
    static final double MAX_CONTROL_SHARE = 0.1;

    private TextFiles() {
    }

    /**
     * The file's text. {@code what} names it in messages ("corpus file", "review file");
     * {@code encodingKey} is the option that changes the encoding ("data.encoding", "--encoding").
     */
    public static String read(Path file, String encoding, String what, String encodingKey) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": " + what + " not found");
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read " + what + ": " + e.getMessage());
        }
        return decode(bytes, file.toString(), encoding, what, encodingKey);
    }

    /** As {@link #read}, for bytes already in memory; {@code source} names them. */
    public static String decode(byte[] bytes, String source, String encoding, String what, String encodingKey) {
        switch (encoding) {
            case TextEncoding.LATIN1:
                return new String(bytes, StandardCharsets.ISO_8859_1);
            case TextEncoding.REPLACE:
                return new String(bytes, StandardCharsets.UTF_8);
            default:
                break;
        }
        String hint = " (set " + encodingKey + " to latin-1, or to replace to turn bad bytes into \uFFFD,"
                + " if this " + what + " is really text)";
        int bad = firstInvalidUtf8(bytes);
        if (bad >= 0) {
            throw new UserInputException(String.format(Locale.ROOT, "%s: not UTF-8 text: invalid byte 0x%02X at %s%s",
                    source, bytes[bad] & 0xff, where(bytes, bad), hint));
        }
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new UserInputException(source + ": not text: a NUL byte at " + where(bytes, i)
                        + " (a binary file?)" + hint);
            }
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        long control = text.chars().filter(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t').count();
        if (control > MAX_CONTROL_SHARE * text.length()) {
            int first = 0;
            while (first < bytes.length - 1 && !isControlByte(bytes[first])) {
                first++;
            }
            throw new UserInputException(String.format(Locale.ROOT,
                    "%s: not text: %d of %d characters are control characters, the first at %s%s",
                    source, control, text.length(), where(bytes, first), hint));
        }
        return text;
    }

    private static boolean isControlByte(byte b) {
        return b >= 0 && b < 0x20 && b != '\n' && b != '\r' && b != '\t' || b == 0x7f;
    }

    /** The offset of the first byte that does not decode as UTF-8, or -1. */
    static int firstInvalidUtf8(byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(8192);
        while (true) {
            CoderResult r = dec.decode(in, out, true);
            if (r.isError()) {
                return in.position();
            }
            if (r.isOverflow()) {
                out.clear();
                continue;
            }
            r = dec.flush(out);
            if (r.isOverflow()) {
                out.clear();
                continue;
            }
            return -1;
        }
    }

    private static String where(byte[] bytes, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return "line " + line + ", byte offset " + offset;
    }
}
