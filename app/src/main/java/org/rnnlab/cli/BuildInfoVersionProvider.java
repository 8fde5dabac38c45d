package org.rnnlab.cli;

import org.rnnlab.BuildInfo;
import picocli.CommandLine;

/** Prints the rnnlab version and the ND4J backend (cpu or cuda) this build was made with. */
public final class BuildInfoVersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        BuildInfo info = BuildInfo.load();
        return new String[] {
                "rnnlab " + info.version() + " (backend: " + info.backend() + ", DL4J " + info.dl4jVersion() + ")",
                "Java " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                        + System.getProperty("os.arch")
        };
    }
}
