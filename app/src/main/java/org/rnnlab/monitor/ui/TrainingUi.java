package org.rnnlab.monitor.ui;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.rnnlab.monitor.MonitorOptions;
import org.rnnlab.monitor.TrainingObserver;

import java.nio.file.Path;

/**
 * DL4J's training UI for a run being trained: a {@link StatsListener} on the network records its statistics into
 * the run folder's {@code ui-stats.bin} ({@link FileStatsStorage}, which {@code rnnlab ui RUN} serves later), and a
 * UI server shows them while training runs, on 127.0.0.1 unless the user asked for another address.
 */
public final class TrainingUi implements TrainingObserver {

    private static final Logger LOG = LogManager.getLogger(TrainingUi.class);

    private final UiServer server;
    private final int every;

    private TrainingUi(UiServer server, int every) {
        this.server = server;
        this.every = every;
    }

    /** Starts the UI for the run in {@code runDir}. */
    public static TrainingObserver open(Path runDir, MonitorOptions.UiOptions options) {
        UiServer server = UiServer.start(runDir.resolve(UiServer.STATS_FILE), options.host(), options.port(), true);
        LOG.info("Training UI: {} (stops when training ends; 'rnnlab ui {}' shows it afterwards)", server.url(),
                runDir);
        return new TrainingUi(server, options.every());
    }

    @Override
    public void onStart(MultiLayerNetwork net) {
        net.addListeners(new StatsListener(server.storage(), every));
    }

    @Override
    public void close() {
        server.close();
    }
}
