package org.rnnlab.monitor.ui;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.rnnlab.UserInputException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DL4J's training UI serving one {@link FileStatsStorage}: for a run being trained ({@code train --ui}) or a
 * finished one ({@code rnnlab ui RUN}). It listens on loopback unless given another address, and then warns.
 */
public final class UiServer implements AutoCloseable {

    /** The statistics file in a run folder. */
    public static final String STATS_FILE = "ui-stats.bin";
    public static final String DEFAULT_HOST = "127.0.0.1";
    private static final Logger LOG = LogManager.getLogger(UiServer.class);

    private final BoundUiServer server;
    private final FileStatsStorage storage;

    private UiServer(BoundUiServer server, FileStatsStorage storage) {
        this.server = server;
        this.storage = storage;
    }

    /**
     * Serves the statistics in {@code statsFile} on {@code host:port} (port 0: any free port). {@code create}: a
     * training run starts the file; otherwise it must exist.
     */
    public static UiServer start(Path statsFile, String host, int port, boolean create) {
        if (!create && !Files.isRegularFile(statsFile)) {
            throw new UserInputException(statsFile.getParent() + ": no " + STATS_FILE
                    + " (train with --ui to record the training UI's statistics)");
        }
        if (port < 0 || port > 65_535) {
            throw new UserInputException("--ui-port: expected a port from 0 to 65535 (got " + port + ")");
        }
        InetAddress address = resolve(host);
        if (!address.isLoopbackAddress()) {
            LOG.warn("The training UI listens on {} (not loopback): anyone who can reach this machine can see it;"
                    + " it has no password", host);
        }
        FileStatsStorage storage = new FileStatsStorage(statsFile.toFile());
        BoundUiServer server;
        try {
            server = BoundUiServer.start(address.getHostAddress(), port);
        } catch (Exception e) {
            storage.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new UserInputException("--ui-port: cannot listen on " + host + ":" + port + ": " + cause.getMessage());
        }
        server.attach(storage);
        return new UiServer(server, storage);
    }

    private static InetAddress resolve(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UserInputException("--ui-host: unknown address '" + host + "'");
        }
    }

    public FileStatsStorage storage() {
        return storage;
    }

    /** The port it listens on. */
    public int port() {
        return server.getPort();
    }

    /** The overview page's address. */
    public String url() {
        String host = server.host().contains(":") ? "[" + server.host() + "]" : server.host();
        return "http://" + host + ":" + port() + "/train/overview";
    }

    @Override
    public void close() {
        try {
            VertxUIServer.stopInstance();
        } catch (Exception e) {
            LOG.warn("Cannot stop the training UI: {}", e.toString());
        }
        storage.close();
    }
}
