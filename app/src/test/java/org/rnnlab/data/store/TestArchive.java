package org.rnnlab.data.store;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds small tar archives for tests, including hostile entries a normal tool would not write. */
final class TestArchive {

    private interface Entry {
        void writeTo(TarArchiveOutputStream out) throws IOException;
    }

    private final List<Entry> entries = new ArrayList<>();

    TestArchive file(String name, String content) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        entries.add(out -> {
            // preserveAbsolutePath keeps names such as "/abs" exactly as given
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            e.setSize(data.length);
            out.putArchiveEntry(e);
            out.write(data);
            out.closeArchiveEntry();
        });
        return this;
    }

    TestArchive dir(String name) {
        entries.add(out -> {
            out.putArchiveEntry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true));
            out.closeArchiveEntry();
        });
        return this;
    }

    TestArchive symlink(String name, String target) {
        return link(name, target, TarConstants.LF_SYMLINK);
    }

    TestArchive hardlink(String name, String target) {
        return link(name, target, TarConstants.LF_LINK);
    }

    private TestArchive link(String name, String target, byte type) {
        entries.add(out -> {
            TarArchiveEntry e = new TarArchiveEntry(name, type, true);
            e.setLinkName(target);
            out.putArchiveEntry(e);
            out.closeArchiveEntry();
        });
        return this;
    }

    /** The archive as .tar.gz bytes. */
    byte[] gzipBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(bytes)) {
            writeTar(gz);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Gzips any bytes, for archives padded or damaged in ways a tar writer would not produce. */
    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(bytes)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The archive as uncompressed .tar bytes. */
    byte[] tarBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writeTar(bytes);
        return bytes.toByteArray();
    }

    Path writeGzip(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, gzipBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeTar(OutputStream target) {
        try {
            TarArchiveOutputStream tar = new TarArchiveOutputStream(target);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                e.writeTo(tar);
            }
            tar.finish();
            tar.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
