package org.rnnlab.data.store;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code datasets fetch} against an HTTP server on loopback that the test runs itself. */
class FetchTest {

    @TempDir
    Path tmp;

    private HttpServer server;
    private final byte[] archive = Fixtures.ptbSimpleExamples().gzipBytes();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/rnnlm/simple-examples.tgz", ex -> send(ex, 200, archive, archive.length));
        server.createContext("/moved", ex -> {
            ex.getResponseHeaders().add("Location", "/rnnlm/simple-examples.tgz");
            send(ex, 302, new byte[0], -1);
        });
        server.createContext("/missing.tgz", ex -> send(ex, 404, "not found".getBytes(), 9));
        // Promises the whole archive, sends half, then drops the connection.
        server.createContext("/cut-connection.tgz", ex -> {
            ex.sendResponseHeaders(200, archive.length);
            OutputStream body = ex.getResponseBody();
            body.write(archive, 0, archive.length / 2);
            body.flush();
            ex.close();
        });
        // A complete response whose content is a truncated archive (a broken file on the server).
        byte[] half = Arrays.copyOf(archive, archive.length / 2);
        server.createContext("/half-file.tgz", ex -> send(ex, 200, half, half.length));
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private static void send(HttpExchange ex, int status, byte[] body, long length) throws IOException {
        ex.getRequestBody().readAllBytes();
        ex.sendResponseHeaders(status, length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private Path home() {
        return tmp.resolve("home");
    }

    private DatasetStore storeWithManifestUrl(URI ptbUrl) {
        return new DatasetStore(home(), Fixtures.manifest(ptbUrl.toString()), Map.<String, String>of()::get, false);
    }

    private void assertNothingLeft() {
        assertFalse(Files.exists(home().resolve("datasets/ptb")));
        assertEquals(List.of(), Fixtures.leftovers(home().resolve("datasets")));
    }

    @Test
    void fetchesFromTheManifestAddressAndImports() throws IOException {
        ImportResult r = storeWithManifestUrl(url("/rnnlm/simple-examples.tgz")).fetch("ptb", null);
        assertEquals(3, r.files());
        assertEquals(url("/rnnlm/simple-examples.tgz").toString(), r.source());
        assertEquals(Fixtures.PTB.get("ptb.valid.txt"), Files.readString(home().resolve("datasets/ptb/ptb.valid.txt")));
        assertEquals(DatasetState.VERIFIED, storeWithManifestUrl(url("/x")).status("ptb").state());
        assertEquals(List.of(), Fixtures.leftovers(home().resolve("datasets")));
    }

    @Test
    void locateDownloadsFromThePublicAddressWhenNoCopyOrMirrorHasIt() throws IOException {
        Path ptb = storeWithManifestUrl(url("/rnnlm/simple-examples.tgz")).locate("ptb");
        assertEquals(home().resolve("datasets/ptb").toAbsolutePath(), ptb);
        assertEquals(Fixtures.PTB.get("ptb.train.txt"), Files.readString(ptb.resolve("ptb.train.txt")));
        assertEquals(DatasetState.VERIFIED, storeWithManifestUrl(url("/x")).status("ptb").state());
    }

    @Test
    void anExplicitUrlOverridesTheManifestAndRedirectsAreFollowed() throws IOException {
        storeWithManifestUrl(url("/missing.tgz")).fetch("ptb", url("/moved"));
        assertEquals(Fixtures.PTB.get("ptb.test.txt"), Files.readString(home().resolve("datasets/ptb/ptb.test.txt")));
    }

    @Test
    void notFoundIsAClearError() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> storeWithManifestUrl(url("/missing.tgz")).fetch("ptb", null));
        assertTrue(e.getMessage().startsWith("download of " + url("/missing.tgz") + " failed: HTTP 404"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void aDownloadCutShortIsAClearError() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> storeWithManifestUrl(url("/cut-connection.tgz")).fetch("ptb", null));
        assertTrue(e.getMessage().startsWith("download of " + url("/cut-connection.tgz")), e.getMessage());
        assertTrue(e.getMessage().contains("broke off") || e.getMessage().contains("cut off"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void aTruncatedArchiveOnTheServerIsAClearError() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> storeWithManifestUrl(url("/half-file.tgz")).fetch("ptb", null));
        assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void noServerIsAClearError() throws IOException {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        URI nowhere = URI.create("http://127.0.0.1:" + closedPort + "/simple-examples.tgz");
        UserInputException e = assertThrows(UserInputException.class,
                () -> storeWithManifestUrl(nowhere).fetch("ptb", null));
        assertTrue(e.getMessage().contains("cannot connect to 127.0.0.1"), e.getMessage());
        assertNothingLeft();
    }
}
