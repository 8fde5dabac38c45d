package org.rnnlab;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this build of rnnlab is: its version, the ND4J backend chosen by the Maven profile at build
 * time, and the DL4J version. Read from a resource that Maven filters, so it never drifts from the pom.
 */
public record BuildInfo(String version, String backend, String dl4jVersion) {

    private static final String RESOURCE = "/rnnlab-build.properties";

    public static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return new BuildInfo("unknown", "unknown", "unknown");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
        return new BuildInfo(p.getProperty("version", "unknown"), p.getProperty("backend", "unknown"),
                p.getProperty("dl4j", "unknown"));
    }
}
