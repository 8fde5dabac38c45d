package org.rnnlab.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Chooses how much rnnlab prints: the console levels (normal, {@code --verbose}, {@code --quiet}) and
 * the per-run log file. Works through system properties that {@code log4j2.xml} reads, so it must run
 * before Log4j initialises.
 */
public final class ConsoleLogging {

    private static volatile boolean verbose;
    private static volatile boolean quiet;

    private ConsoleLogging() {
    }

    static void configureFromArgs(String[] args) {
        List<String> a = Arrays.asList(args);
        verbose = a.contains("--verbose") || a.contains("-v");
        quiet = !verbose && (a.contains("--quiet") || a.contains("-q"));
        System.setProperty("rnnlab.log.level", verbose ? "debug" : quiet ? "warn" : "info");
        System.setProperty("rnnlab.lib.level", verbose ? "info" : "warn");
    }

    public static boolean isVerbose() {
        return verbose;
    }

    /** True when only results and errors should reach the console (no progress bars). */
    public static boolean isQuiet() {
        return quiet;
    }

    /** The log file that holds this process's messages and stack traces. */
    public static String logFile() {
        String run = System.getProperty("rnnlab.run.log");
        return run != null ? run : Path.of(System.getProperty("java.io.tmpdir"), "rnnlab-last.log").toString();
    }

    /** Sends the full log of this process (from now on) to {@code runDir/rnnlab.log} as well. */
    public static void attachRunLog(Path runDir) {
        System.setProperty("rnnlab.run.log", runDir.resolve("rnnlab.log").toAbsolutePath().toString());
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.reconfigure();
    }
}
