/**
 * DL4J's training UI, opt-in: its {@code StatsListener} writing to a {@code FileStatsStorage} in the run folder, and
 * its Vert.x server bound to 127.0.0.1 unless asked otherwise (DL4J M2.1's own server listens on every interface).
 * Loaded only by {@code train --ui} and {@code rnnlab ui}.
 */
package org.rnnlab.monitor.ui;
