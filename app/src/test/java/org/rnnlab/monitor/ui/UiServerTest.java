package org.rnnlab.monitor.ui;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.rnnlab.UserInputException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Tag("slow")
class UiServerTest {

    @TempDir
    Path dir;

    /** Records a few steps of a tiny network's statistics, as {@code train --ui} does. */
    private Path recordStats() {
        Path stats = dir.resolve(UiServer.STATS_FILE);
        FileStatsStorage storage = new FileStatsStorage(stats.toFile());
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1))
                .list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        net.addListeners(new StatsListener(storage, 1));
        for (int i = 0; i < 5; i++) {
            net.fit(Nd4j.rand(8, 4), Nd4j.eye(2).repeat(0, 4));
        }
        storage.close();
        return stats;
    }

    @Test
    void servesTheOverviewJsonOnLoopbackOnly() throws Exception {
        Path stats = recordStats();
        try (UiServer server = UiServer.start(stats, UiServer.DEFAULT_HOST, 0, false)) {
            assertTrue(server.url().startsWith("http://127.0.0.1:" + server.port() + "/"), server.url());
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            String base = "http://127.0.0.1:" + server.port();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/train/overview")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<html"), page.body());
            HttpResponse<String> data = http.send(HttpRequest.newBuilder(URI.create(base + "/train/overview/data"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, data.statusCode());
            // The overview's score chart reads "scores" (one per recorded step) from this JSON.
            assertTrue(java.util.regex.Pattern.compile("\"scores\"\\s*:\\s*\\[\\s*-?[0-9]").matcher(data.body()).find(),
                    data.body());

            List<String> listeners = listeningAddresses(server.port());
            assumeTrue(listeners != null, "no /proc/net/tcp here");
            // Java's sockets are IPv6 sockets where the system has IPv6: 127.0.0.1 then shows as ::ffff:127.0.0.1.
            assertFalse(listeners.isEmpty());
            for (String a : listeners) {
                assertTrue(a.equals("127.0.0.1") || a.equals("::ffff:127.0.0.1"), "listens on loopback only: " + listeners);
            }
        }
    }

    @Test
    void aRunWithoutStatisticsIsRefusedInOneLine() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> UiServer.start(dir.resolve(UiServer.STATS_FILE), UiServer.DEFAULT_HOST, 0, false));
        assertTrue(e.getMessage().contains("train with --ui"), e.getMessage());
        assertFalse(Files.exists(dir.resolve(UiServer.STATS_FILE)), "nothing created");
    }

    /** The local addresses of listening TCP sockets on {@code port}, from Linux's /proc/net/tcp and tcp6. */
    private static List<String> listeningAddresses(int port) throws Exception {
        Path tcp = Path.of("/proc/net/tcp");
        if (!Files.isReadable(tcp)) {
            return null;
        }
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        List<String> out = new ArrayList<>();
        for (Path f : List.of(tcp, Path.of("/proc/net/tcp6"))) {
            if (!Files.isReadable(f)) {
                continue;
            }
            for (String line : Files.readAllLines(f).subList(1, Files.readAllLines(f).size())) {
                String[] cols = line.trim().split("\\s+");
                // cols[1] local address:port, cols[3] state (0A = LISTEN)
                if (cols[1].endsWith(hexPort) && cols[3].equals("0A")) {
                    String hex = cols[1].substring(0, cols[1].indexOf(':'));
                    out.add(hex.length() == 8 ? ipv4(hex)
                            : hex.startsWith("0000000000000000FFFF0000") ? "::ffff:" + ipv4(hex.substring(24))
                            : "ipv6:" + hex);
                }
            }
        }
        return out;
    }

    private static String ipv4(String littleEndianHex) {
        long v = Long.parseLong(littleEndianHex, 16);
        return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff);
    }
}
