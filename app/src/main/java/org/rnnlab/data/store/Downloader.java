package org.rnnlab.data.store;

import org.rnnlab.UserInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Downloads one file over HTTP(S), following redirects, with a progress bar. A download that fails
 * or ends early is an error that names the address; the caller owns (and deletes) the target file.
 */
final class Downloader {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /** Time until the response headers arrive; the body may take as long as it needs. */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);

    private final boolean showProgress;

    Downloader(boolean showProgress) {
        this.showProgress = showProgress;
    }

    /** Downloads {@code uri} into {@code target} (replaced) and returns the number of bytes. */
    long download(URI uri, Path target, String task) {
        HttpClient client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(CONNECT_TIMEOUT)
                // HTTP/1.1: some dataset hosts mishandle the HTTP/2 upgrade offered on plain http.
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(RESPONSE_TIMEOUT)
                .header("User-Agent", "rnnlab")
                .GET()
                .build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException e) {
            throw new UserInputException("download of " + uri + " failed: cannot connect to " + uri.getHost()
                    + " (no network, or the host is down); import a copy with 'rnnlab datasets import NAME ARCHIVE'", e);
        } catch (IOException e) {
            throw new UserInputException("download of " + uri + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new InterruptedIOException("download of " + uri + " interrupted"));
        }
        long expected = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new UserInputException("download of " + uri + " failed: HTTP " + response.statusCode()
                        + " from " + response.uri() + " (expected 200); check the address in the manifest or --url");
            }
            long received = copy(uri, Progress.trackBytes(body, task, expected, showProgress), target);
            if (expected >= 0 && received != expected) {
                throw new UserInputException("download of " + uri + " was cut off: received " + received
                        + " of " + expected + " bytes; try again");
            }
            return received;
        } catch (IOException e) {
            throw new UserInputException("download of " + uri + " failed: " + e, e);
        }
    }

    /** Copies the body; a read failure is the network's, a write failure the local disk's. */
    private static long copy(URI uri, InputStream body, Path target) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try (OutputStream out = Files.newOutputStream(target)) {
            while (true) {
                int n;
                try {
                    n = body.read(buf);
                } catch (IOException e) {
                    throw new UserInputException("download of " + uri + " broke off after " + total
                            + " bytes (" + e.getMessage() + "); try again", e);
                }
                if (n < 0) {
                    return total;
                }
                out.write(buf, 0, n);
                total += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the download to " + target + ": " + e.getMessage(), e);
        }
    }
}
