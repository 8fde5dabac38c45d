package org.rnnlab.data.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether an archive entry's name, or a link's target, stays inside the folder the archive
 * is unpacked into. Names are split into segments so that no file-system call is made before the
 * entry is known to be safe.
 */
final class ArchivePaths {

    /** An entry that would reach outside the unpacking folder; the message says why. */
    static final class UnsafePathException extends Exception {
        UnsafePathException(String message) {
            super(message);
        }
    }

    private ArchivePaths() {
    }

    /**
     * The segments of an entry name, without empty and {@code .} segments. Absolute names, {@code ..}
     * anywhere, and backslashes (a separator on Windows, so a way around the {@code ..} check there)
     * are refused even when harmless, because no dataset archive needs them.
     */
    static List<String> segments(String entryName) throws UnsafePathException {
        if (entryName.startsWith("/")) {
            throw new UnsafePathException("absolute path");
        }
        if (entryName.indexOf('\\') >= 0) {
            throw new UnsafePathException("backslash in the name");
        }
        if (entryName.indexOf('\0') >= 0) {
            throw new UnsafePathException("NUL character in the name");
        }
        List<String> out = new ArrayList<>();
        for (String s : entryName.split("/")) {
            if (s.equals("..")) {
                throw new UnsafePathException("'..' in the path");
            }
            if (!s.isEmpty() && !s.equals(".")) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Checks where a link points. A symbolic link's target is relative to the folder holding the
     * link; a hard link's target is an archive path, relative to the archive root.
     */
    static void checkLinkTarget(List<String> linkSegments, String target, boolean symbolic)
            throws UnsafePathException {
        if (target == null || target.isEmpty()) {
            throw new UnsafePathException("link without a target");
        }
        if (target.startsWith("/") || target.indexOf('\\') >= 0) {
            throw new UnsafePathException("link to '" + target + "', outside the target folder");
        }
        List<String> resolved = symbolic && !linkSegments.isEmpty()
                ? new ArrayList<>(linkSegments.subList(0, linkSegments.size() - 1))
                : new ArrayList<>();
        for (String s : target.split("/")) {
            if (s.equals("..")) {
                if (resolved.isEmpty()) {
                    throw new UnsafePathException("link to '" + target + "', outside the target folder");
                }
                resolved.remove(resolved.size() - 1);
            } else if (!s.isEmpty() && !s.equals(".")) {
                resolved.add(s);
            }
        }
    }
}
