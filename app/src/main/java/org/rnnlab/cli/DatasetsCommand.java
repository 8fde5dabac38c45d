package org.rnnlab.cli;

import org.rnnlab.UserInputException;
import org.rnnlab.data.store.DatasetStore;
import org.rnnlab.data.store.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code rnnlab datasets}: list, verify, import and download the datasets in the manifest. Each
 * subcommand calls {@link DatasetStore} and prints the result it returns; progress goes to
 * standard error.
 */
@Command(name = "datasets",
        description = {"List, verify, import and download the datasets rnnlab trains on (ptb, imdb).",
                "Data lives in datasets/NAME under the project folder (-Drnnlab.home or RNNLAB_HOME, else the current folder)."},
        mixinStandardHelpOptions = true,
        subcommands = {
                DatasetsCommand.ListCommand.class,
                DatasetsCommand.VerifyCommand.class,
                DatasetsCommand.ImportCommand.class,
                DatasetsCommand.FetchCommand.class
        })
public final class DatasetsCommand {

    private final Function<Boolean, DatasetStore> stores;

    /** The command on the default project home. */
    public DatasetsCommand() {
        this(showProgress -> DatasetStore.open(showProgress));
    }

    /** @param stores makes the store given whether progress bars should be drawn (tests pass their own) */
    public DatasetsCommand(Function<Boolean, DatasetStore> stores) {
        this.stores = stores;
    }

    DatasetStore store(CommandSpec subcommand) {
        // Bars only for a person watching: not with --quiet, and not when output goes to a file or pipe.
        return stores.apply(!quietRequested(subcommand) && System.console() != null);
    }

    /** True when --quiet was given to this command or one above it (rnnlab's --quiet is inherited). */
    static boolean quietRequested(CommandSpec spec) {
        if (ConsoleLogging.isQuiet()) {
            return true;
        }
        for (CommandSpec s = spec; s != null; s = s.parent()) {
            OptionSpec quiet = s.findOption("--quiet");
            if (quiet != null && Boolean.TRUE.equals(quiet.getValue())) {
                return true;
            }
        }
        return false;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Show each dataset's state: missing, imported (files present) or verified (checksums matched).")
    static final class ListCommand implements Callable<Integer> {
        @ParentCommand
        DatasetsCommand parent;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(parent.store(spec).list().render());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Recompute the checksums of imported data and compare them with the manifest.")
    static final class VerifyCommand implements Callable<Integer> {
        @ParentCommand
        DatasetsCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "The dataset (default: every imported one).")
        String name;

        @Override
        public Integer call() {
            VerifyReport report = parent.store(spec).verify(name);
            spec.commandLine().getOut().print(report.render());
            spec.commandLine().getOut().flush();
            if (!report.ok()) {
                String names = String.join(", ", report.failed());
                throw new UserInputException("verification failed for " + names + "; import it again with 'rnnlab datasets import "
                        + report.failed().get(0) + " ARCHIVE' or 'rnnlab datasets fetch " + report.failed().get(0) + "'");
            }
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Verify an archive against the manifest and unpack the dataset into datasets/NAME.",
                    "Accepts the public archives (simple-examples.tgz, aclImdb_v1.tar.gz) and repackaged ones;"
                            + " the dataset's files are found wherever they sit inside."})
    static final class ImportCommand implements Callable<Integer> {
        @ParentCommand
        DatasetsCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME", description = "The dataset: ptb or imdb.")
        String name;
        @Parameters(index = "1", paramLabel = "ARCHIVE", description = "A .tar.gz, .tgz or .tar file.")
        Path archive;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(parent.store(spec).importArchive(name, archive).render());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download a dataset from its public address in the manifest, verify it and import it.")
    static final class FetchCommand implements Callable<Integer> {
        @ParentCommand
        DatasetsCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME", description = "The dataset: ptb or imdb.")
        String name;
        @Option(names = "--url", paramLabel = "URL", description = "Download from here instead (a mirror of the same archive).")
        URI url;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(parent.store(spec).fetch(name, url).render());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
