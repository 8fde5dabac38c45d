package org.rnnlab.data.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.cli.DatasetsCommand;
import org.rnnlab.cli.Main;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rnnlab datasets ...} through rnnlab's real command line and error handling, on a test store. */
class DatasetsCommandTest {

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    /** The progress flag each store was made with, to check --quiet reaches the store. */
    private final List<Boolean> progressRequests = new ArrayList<>();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        if (cl.getSubcommands().containsKey("datasets")) {
            cl.getCommandSpec().removeSubcommand("datasets");
        }
        cl.addSubcommand(new CommandLine(new DatasetsCommand(progress -> {
            progressRequests.add(progress);
            return Fixtures.store(tmp);
        })));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private Path ptbArchive() {
        return Fixtures.ptbShared().writeGzip(tmp.resolve("in/ptb.tar.gz"));
    }

    @Test
    void listShowsEachDatasetsState() {
        assertEquals(0, run("datasets", "list"));
        assertTrue(out.toString().matches("(?s)ptb +missing .*imdb +missing .*"), out.toString());
    }

    @Test
    void importThenListAndVerify() {
        assertEquals(0, run("datasets", "import", "ptb", ptbArchive().toString()), err.toString());
        assertTrue(out.toString().startsWith("ptb: imported and verified 3 files into " + tmp.resolve("datasets/ptb")),
                out.toString());
        assertEquals(0, run("datasets", "list"));
        assertTrue(out.toString().contains("ptb   verified"), out.toString());
        assertEquals(0, run("datasets", "verify"));
        assertTrue(out.toString().contains("ptb: verified, 3 files match the manifest"), out.toString());
        assertTrue(out.toString().contains("imdb: missing, not checked"), out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void aFailedVerifyPrintsTheReportThenOneErrorLineAndExits2() throws Exception {
        run("datasets", "import", "ptb", ptbArchive().toString());
        Files.writeString(tmp.resolve("datasets/ptb/ptb.train.txt"), "tampered");
        assertEquals(2, run("datasets", "verify", "ptb"));
        assertTrue(out.toString().contains("ptb: FAILED"), out.toString());
        assertEquals("rnnlab: error: verification failed for ptb; import it again with 'rnnlab datasets import ptb ARCHIVE'"
                + " or 'rnnlab datasets fetch ptb'", err.toString().strip());
    }

    @Test
    void userMistakesAreOneLineAndExit2() {
        assertEquals(2, run("datasets", "import", "ptb", tmp.resolve("missing.tgz").toString()));
        assertEquals("rnnlab: error: " + tmp.resolve("missing.tgz") + ": no such file (expected an archive file: .tar.gz, .tgz or .tar)",
                err.toString().strip());

        err.getBuffer().setLength(0);
        assertEquals(2, run("datasets", "verify", "mnist"));
        assertTrue(err.toString().startsWith("rnnlab: error: unknown dataset 'mnist' (known: ptb, imdb"), err.toString());
        assertEquals(1, err.toString().strip().lines().count());
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(2, run("datasets", "import", "ptb"));
        assertTrue(err.toString().contains("Missing required parameter: 'ARCHIVE'"), err.toString());
        assertEquals(2, run("datasets", "frobnicate"));
        assertEquals(2, run("datasets"));
        assertTrue(progressRequests.isEmpty(), "usage errors must not open the store");
    }

    @Test
    void helpWorksOnEverySubcommand() {
        for (String sub : List.of("list", "verify", "import", "fetch")) {
            out.getBuffer().setLength(0);
            assertEquals(0, run("datasets", sub, "--help"));
            assertTrue(out.toString().startsWith("Usage: rnnlab datasets " + sub), out.toString());
        }
        out.getBuffer().setLength(0);
        assertEquals(0, run("datasets", "--help"));
        assertTrue(out.toString().contains("list") && out.toString().contains("fetch"), out.toString());
        assertTrue(progressRequests.isEmpty(), "help must not open the store");
    }

    @Test
    void quietTurnsProgressBarsOff() {
        assertEquals(0, run("--quiet", "datasets", "list"));
        assertEquals(0, run("datasets", "list", "--quiet"));
        assertEquals(List.of(false, false), progressRequests);
        assertFalse(out.toString().isEmpty());
    }
}
